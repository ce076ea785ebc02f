"""Architectures as lectured, the pre-flight check, and the Keras 3 GAN pitfall."""

from __future__ import annotations

import numpy as np
import pytest

from genflow.core.errors import ConfigError
from genflow.tasks.models.registry import build
from genflow.tasks.training.profiles import make_spec, parse_overrides


def test_autoencoder_parameter_counts_match_the_lecture() -> None:
    from genflow.tasks.models.autoencoder import build_decoder, build_encoder

    assert build_encoder(32).count_params() == 193_056
    assert build_decoder(32).count_params() == 196_097


def test_dcgan_shapes() -> None:
    spec = make_spec("dcgan", profile="lecture")
    built = build(spec.model, spec.train)
    assert tuple(built.sampler.output.shape) == (None, 28, 28, 1)
    assert tuple(built.sampler.input.shape) == (None, 100)
    assert tuple(built.parts["discriminator"].output.shape) == (None, 1)
    momenta = {layer.momentum for layer in built.sampler.layers if hasattr(layer, "momentum")}
    assert momenta == {0.9}
    rates = {layer.rate for layer in built.parts["discriminator"].layers if hasattr(layer, "rate")}
    assert rates == {0.4}


def test_lecture_mistake_is_a_clear_configuration_error() -> None:
    spec = make_spec("mlp_gan", profile="smoke", overrides={"model": {"generator_output": 28 * 23}})
    with pytest.raises(ConfigError) as err:
        build(spec.model, spec.train)
    message = str(err.value)
    assert "generator outputs shape (644,)" in message and "expects (784,)" in message


def test_both_networks_learn_in_the_compiled_step() -> None:
    """In Keras 3 the D.trainable=False recipe silently freezes D; ours must update both."""
    import keras

    keras.utils.set_random_seed(0)
    spec = make_spec("mlp_gan", profile="smoke")
    built = build(spec.model, spec.train)
    gan, d, g = built.model, built.parts["discriminator"], built.model.generator
    d_before = [w.numpy().copy() for w in d.trainable_weights]
    g_before = [w.numpy().copy() for w in g.trainable_weights]
    real = np.random.default_rng(0).uniform(-1, 1, (16, 784)).astype(np.float32)
    logs = gan.train_on_batch(real, return_dict=True)
    assert set(logs) == {"d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real_mean",
                         "d_fake_mean"}
    assert 0 < logs["d_real_mean"] < 1 and 0 < logs["d_fake_mean"] < 1
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(d_before, d.trainable_weights, strict=True))
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(g_before, g.trainable_weights, strict=True))


@pytest.mark.parametrize(("model", "d_steps"), [("mlp_gan", 1), ("dcgan", 2)])
def test_discriminator_steps_follow_the_notes(model: str, d_steps: int) -> None:
    """P6 takes one D step on the concatenated real + fake batch, P7 one on each."""
    import keras

    keras.utils.set_random_seed(0)
    spec = make_spec(model, profile="smoke")
    gan = build(spec.model, spec.train).model
    shape = (8, 784) if model == "mlp_gan" else (8, 28, 28, 1)
    real = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    for _ in range(3):
        gan.train_on_batch(real)
    assert int(gan.d_optimizer.iterations.numpy()) == 3 * d_steps
    assert int(gan.g_optimizer.iterations.numpy()) == 3


def test_vae_scales_its_loss_under_mixed_precision() -> None:
    """float16 gradients of an unscaled loss damp or underflow: the VAE's custom step must go
    through the LossScaleOptimizer (scale, then unscale in apply)."""
    import keras

    spec = make_spec("vae", profile="smoke")
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(0)
        vae = build(spec.model, spec.train, mixed_precision=True).model
        assert isinstance(vae.optimizer, keras.optimizers.LossScaleOptimizer)
        before = [w.numpy().copy() for w in vae.trainable_weights]
        x = np.random.default_rng(0).uniform(0, 1, (8, 28, 28, 1)).astype(np.float32)
        logs = vae.train_on_batch(x, return_dict=True)
        assert np.isfinite(logs["loss"])
        assert any(not np.array_equal(a, b.numpy())
                   for a, b in zip(before, vae.trainable_weights, strict=True))
        assert float(vae.optimizer.dynamic_scale.numpy()) > 1  # the loss really is scaled
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_profiles_and_overrides() -> None:
    lecture = make_spec("dcgan", profile="lecture")
    assert (lecture.train.steps, lecture.train.batch_size, lecture.model.zdim) == (5000, 64, 100)
    assert make_spec("fashion_dcgan").dataset == "fashion_mnist"
    assert make_spec("fashion_dcgan").train.classes == [9]
    assert make_spec("pixel").train.classes == [0]
    ae = make_spec("autoencoder", profile="lecture")
    assert (ae.train.epochs, ae.train.batch_size, ae.model.zdim) == (5, 128, 32)
    over = make_spec("vae", overrides=parse_overrides(["train.steps=7", "model.zdim=2"]))
    assert over.model.zdim == 2 and over.train.steps == 7
    with pytest.raises(ConfigError, match="train.FIELD=VALUE"):
        parse_overrides(["steps=7"])
    with pytest.raises(ConfigError, match="batch_size"):
        make_spec("dcgan", overrides={"train": {"batch_size": 0}})
    with pytest.raises(ConfigError, match="steps_per_execution"):
        make_spec("dcgan", overrides={"train": {"steps_per_execution": 0}})
    from genflow.tasks.training.loop import steps_per_call

    quick = make_spec("dcgan")  # checkpoints every 250, grids every 100, 1,000 in all
    assert steps_per_call(quick, quick.train.steps) == 10
    odd = make_spec("dcgan", overrides={"train": {"grid_every": 118}})  # P6's lecture grids
    assert steps_per_call(odd, 1000) == 2
    with pytest.raises(ConfigError, match="not one of"):
        make_spec("gan9000")


def test_generator_average_and_two_learning_rates() -> None:
    """Off the lecture: D at its own rate, and the sampler is the generator's weight average,
    min(ema, (1 + t) / (10 + t)) after step t, BatchNorm's statistics included."""
    import keras

    keras.utils.set_random_seed(0)
    spec = make_spec("dcgan", profile="smoke",
                     overrides={"model": {"ema": 0.99, "d_learning_rate": 4e-4}})
    built = build(spec.model, spec.train)
    gan, g = built.model, built.model.generator
    assert built.sampler is gan.ema_generator and built.sampler is not g
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(spec.model.learning_rate)
    assert not built.sampler.trainable_weights  # nothing but the average moves it
    real = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    averaged = [v.numpy().copy() for v in built.sampler.variables]
    for t in (1, 2, 3):
        gan.train_on_batch(real)
        decay = min(0.99, (1 + t) / (10 + t))
        averaged = [decay * a + (1 - decay) * w.numpy() for a, w in zip(averaged, g.variables,
                                                                        strict=True)]
    for a, v in zip(averaged, built.sampler.variables, strict=True):
        np.testing.assert_allclose(v.numpy(), a, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(v.numpy(), w.numpy()) for v, w in
               zip(built.sampler.variables, g.variables, strict=True))
    # the checkpoint holds the average: it is among the wrapper's variables
    held = {id(v) for v in gan.variables}
    assert all(id(v) in held for v in built.sampler.variables)
    lecture = build(make_spec("dcgan", profile="lecture").model, spec.train)
    assert lecture.sampler is lecture.model.generator and lecture.model.ema_generator is None
