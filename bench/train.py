"""Training speed against the lecture's code and a plain step, all measured in one run.

1. Per model (mlp_gan, dcgan, vae, autoencoder), images/s of one training iteration, all on
   the same networks, batch and data in this process:
   - plain: a hand-written float32 ``tf.function`` step (same networks, BCE, Adam; for the
     GANs D on real then D on fake then G, the MLP GAN included), one call per iteration;
   - 1/call: genflow with the settings it had before (float32, one iteration per fit call,
     XLA as the registry says now), fed by today's lean tf.data pipeline;
   - genflow in float32 and under Keras's ``mixed_bfloat16``, XLA off and on, with
     ``steps_per_execution`` 10 (the loop's default);
   - chosen: what ``mixed_precision="auto"`` / ``jit_compile="auto"`` pick on this machine.
   Goals (issue 10): dcgan chosen >= 2x 1/call and >= 1.5x plain.
2. mlp_gan and dcgan: genflow's chosen step vs the lecture's train_on_batch recipe, fixed for
   Keras 3 (D.trainable toggled before every call, else D silently stops learning).
   Goal: MLP GAN >= 5x.
3. DCGAN achieved GFLOP/s of the chosen (bfloat16) step (analytic FLOPs of an iteration /
   measured time) vs a dense float32 matmul measured in the same run (so > 100 % is possible).
4. P1 pixel model: fit on the digit-0 images + 20 samples, vectorised vs the lecture's Python
   loops (np.random.choice per pixel). Goal: >= 100x.

    .venv/bin/python bench/train.py [--iterations 30] [--csv PATH] [--models dcgan,mlp_gan]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BATCH = {"mlp_gan": 128, "dcgan": 64, "vae": 128, "autoencoder": 128}


def lecture_recipe(g, d, zdim: int, batch: int):
    """The notes' loop, with the Keras 3 fix (trainable toggled before each train_on_batch)."""
    import keras

    d.compile(optimizer=keras.optimizers.Adam(2e-4), loss="binary_crossentropy")
    d.trainable = False
    z = keras.Input((zdim,))
    combined = keras.Model(z, d(g(z)))
    combined.compile(optimizer=keras.optimizers.Adam(2e-4), loss="binary_crossentropy")
    ones, zeros = np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)
    rng = np.random.default_rng(0)

    def step(real: np.ndarray) -> None:
        d.trainable = True
        d.train_on_batch(real, ones)
        fake = g.predict(rng.standard_normal((batch, zdim)).astype(np.float32), verbose=0)
        d.train_on_batch(fake, zeros)
        d.trainable = False
        combined.train_on_batch(rng.standard_normal((batch, zdim)).astype(np.float32), ones)

    return step


def time_lecture(model: str, x: np.ndarray, batch: int, iterations: int) -> float:
    from genflow.tasks.models.registry import build
    from genflow.tasks.training.profiles import make_spec

    spec = make_spec(model, profile="lecture", overrides={"train": {"batch_size": batch}})
    built = build(spec.model, spec.train)
    step = lecture_recipe(built.sampler, built.parts["discriminator"], spec.model.zdim, batch)
    rng = np.random.default_rng(1)
    batches = [x[rng.integers(0, len(x), batch)] for _ in range(iterations + 3)]
    for b in batches[:3]:
        step(b)
    t0 = time.perf_counter()
    for b in batches[3:]:
        step(b)
    return (time.perf_counter() - t0) / iterations


def _spec(model: str, batch: int):
    from genflow.tasks.training.profiles import make_spec

    return make_spec(model, profile="lecture", overrides={"train": {"batch_size": batch}})


def _data(model: str, images: np.ndarray) -> np.ndarray:
    from genflow.tasks.data.normalise import scale
    from genflow.tasks.models import registry

    x = scale(images, registry.get(model).value_range)
    return x.reshape(len(x), -1) if model == "mlp_gan" else x


def time_genflow(model: str, x: np.ndarray, batch: int, iterations: int, policy: str | bool,
                 jit: bool | str, per_call: int) -> tuple[float, object, str]:
    """Seconds per iteration of genflow's loop as it trains (its device plan, build, fit over
    its tf.data pipeline, a callback reading every call's logs); median of 3 timed calls."""
    import keras

    from genflow.tasks.models import registry
    from genflow.tasks.training.devices import plan_devices, use_jit
    from genflow.tasks.training.loop import _dataset

    spec = _spec(model, batch)

    class Logs(keras.callbacks.Callback):  # the Recorder's cost: every call's logs to floats
        def on_train_batch_end(self, b: int, logs: dict | None = None) -> None:
            for v in (logs or {}).values():
                float(v)

    entry = registry.get(model)
    with plan_devices(policy) as plan:
        built = entry.build(spec.model, spec.train, jit_compile=use_jit(entry.jit_on_cpu, jit, 0),
                            mixed_precision=plan.loss_scaling)
        built.model.steps_per_execution = per_call
        data = _dataset(x, batch, 0, built.kind)
        steps = max(per_call, iterations // per_call * per_call)
        built.model.fit(data, steps_per_epoch=per_call * 2, epochs=1, verbose=0, shuffle=False,
                        callbacks=[Logs()])  # trace + warm up
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            built.model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False,
                            callbacks=[Logs()])
            times.append((time.perf_counter() - t0) / steps)
    return statistics.median(times), built, plan.policy


def time_plain(model: str, x: np.ndarray, batch: int, iterations: int) -> float:
    """A hand-written float32 tf.function step of the same networks, one call per iteration."""
    import keras
    import tensorflow as tf

    from genflow.tasks.models.registry import build

    spec = _spec(model, batch)
    keras.mixed_precision.set_global_policy("float32")
    built = build(spec.model, spec.train)
    adam = spec.model.learning_rate, spec.model.beta_1
    bce = keras.losses.BinaryCrossentropy()
    if built.kind == "gan":
        g, d, zdim = built.sampler, built.parts["discriminator"], spec.model.zdim
        g_opt, d_opt = keras.optimizers.Adam(*adam), keras.optimizers.Adam(*adam)

        @tf.function
        def step(real: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as t:
                p = d(real, training=True)
                loss = bce(tf.ones_like(p), p)
            d_opt.apply(t.gradient(loss, d.trainable_weights), d.trainable_weights)
            fake = g(tf.random.normal((batch, zdim)), training=False)
            with tf.GradientTape() as t:
                p = d(fake, training=True)
                loss = bce(tf.zeros_like(p), p)
            d_opt.apply(t.gradient(loss, d.trainable_weights), d.trainable_weights)
            with tf.GradientTape() as t:
                p = d(g(tf.random.normal((batch, zdim)), training=True), training=True)
                loss = bce(tf.ones_like(p), p)
            g_opt.apply(t.gradient(loss, g.trainable_weights), g.trainable_weights)
            return loss
    else:
        enc, dec = built.encoder, built.sampler
        weights = enc.trainable_weights + dec.trainable_weights
        opt = keras.optimizers.Adam(*adam)

        @tf.function
        def step(images: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as t:
                if built.kind == "vae":
                    mu, logvar = enc(images, training=True)
                    z = mu + tf.exp(0.5 * logvar) * tf.random.normal(tf.shape(mu))
                    recon = dec(z, training=True)
                    rec = tf.reduce_mean(784.0 * keras.losses.binary_crossentropy(
                        tf.reshape(images, (-1, 784)), tf.reshape(recon, (-1, 784))))
                    kl = tf.reduce_mean(-0.5 * tf.reduce_sum(
                        1 + logvar - mu ** 2 - tf.exp(logvar), axis=1))
                    loss = rec + kl
                else:
                    loss = tf.reduce_mean((dec(enc(images, training=True)) - images) ** 2)
            opt.apply(t.gradient(loss, weights), weights)
            return loss

    rng = np.random.default_rng(1)
    batches = [tf.constant(x[rng.integers(0, len(x), batch)]) for _ in range(iterations)]
    for b in batches[:3]:
        step(b)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for b in batches:
            out = step(b)
        float(out)
        times.append((time.perf_counter() - t0) / iterations)
    return statistics.median(times)


def forward_flops(model) -> float:
    """2 x multiply-adds of the Conv2D and Dense layers for one image."""
    from keras import layers

    total = 0.0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            h, w, cout = layer.output.shape[1:]
            k = layer.kernel_size[0] * layer.kernel_size[1]
            total += 2.0 * h * w * cout * k * layer.input.shape[-1]
        elif isinstance(layer, layers.Dense):
            total += 2.0 * layer.input.shape[-1] * layer.units
    return total


def matmul_gflops(n: int = 1024, repeats: int = 20) -> float:
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    f = tf.function(lambda: tf.matmul(a, b))
    f().numpy()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f().numpy()
        times.append(time.perf_counter() - t0)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def lecture_pixel(images: np.ndarray, n: int) -> np.ndarray:
    counts = np.zeros((28, 28, 256))
    for img in images[:, :, :, 0]:
        for r in range(28):
            for c in range(28):
                counts[r, c, img[r, c]] += 1
    probs = counts / len(images)
    out = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        for r in range(28):
            for c in range(28):
                out[i, r, c] = np.random.choice(256, p=probs[r, c])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--models", default="mlp_gan,dcgan,vae,autoencoder")
    parser.add_argument("--csv", type=Path,
                        default=Path(os.environ.get("GENFLOW_SAMPLE_CSV",
                                                    "~/.cache/genflow/mnist_5k.csv.gz")).expanduser())
    args = parser.parse_args()

    from genflow.tasks.data.csv_sample import read_label_last_csv
    from genflow.tasks.data.normalise import filter_classes
    from genflow.tasks.models.pixel import fit_pixel_model, sample_pixel_model

    images, labels = read_label_last_csv(args.csv)

    from genflow.tasks.training.devices import choose_policy
    from genflow.tasks.training.loop import steps_per_call
    from genflow.tasks.training.profiles import make_spec

    print("1. one training iteration, images/s = batch / time (median of 3 calls)")
    print(f"   {'model':12}{'batch':>6}{'plain fp32':>12}{'1/call':>9}{'fp32':>8}{'fp32+XLA':>10}"
          f"{'bf16':>8}{'bf16+XLA':>10}  chosen                     vs 1/call  vs plain")
    chosen_dcgan = None
    for model in args.models.split(","):
        batch, x = BATCH[model], _data(model, images)
        iters = args.iterations if model == "mlp_gan" else max(10, args.iterations // 2)
        plain = batch / time_plain(model, x, batch, iters)
        before = batch / time_genflow(model, x, batch, iters, False, "auto", 1)[0]
        cells = {}
        for policy in (False, True):
            for jit in (False, True):
                cells[policy, jit] = batch / time_genflow(model, x, batch, iters * 2, policy, jit,
                                                          10)[0]
        from genflow.tasks.models import registry

        auto_policy = choose_policy("auto", 0)
        auto_jit = registry.get(model).jit_on_cpu
        per_call = steps_per_call(make_spec(model, profile="quick"), 10 ** 6)
        chosen = cells[auto_policy != "float32", auto_jit]
        label = f"{auto_policy}{', XLA' if auto_jit else ''}, {per_call}/call"
        print(f"   {model:12}{batch:>6}{plain:>12.0f}{before:>9.0f}{cells[False, False]:>8.0f}"
              f"{cells[False, True]:>10.0f}{cells[True, False]:>8.0f}{cells[True, True]:>10.0f}  "
              f"{label:26}{chosen / before:>7.2f}x{chosen / plain:>9.2f}x")  # vs 1/call, vs plain
        if model == "dcgan":
            chosen_dcgan = (chosen, before, plain)
    if chosen_dcgan:
        c, b, p = chosen_dcgan
        print(f"   dcgan goal: chosen {c / b:.2f}x 1/call (>= 2x), {c / p:.2f}x plain fp32 (>= 1.5x)")

    print("2. genflow (chosen setting) vs the lecture's train_on_batch recipe")
    for model in ("mlp_gan", "dcgan"):
        batch, x = BATCH[model], _data(model, images)
        iters = args.iterations if model == "mlp_gan" else max(10, args.iterations // 2)
        ours, built, _ = time_genflow(model, x, batch, iters * 2, "auto", "auto", 10)
        lecture = time_lecture(model, x, batch, iters)
        print(f"   {model:8} batch {batch:4}: genflow {batch / ours:8.0f} img/s   lecture recipe "
              f"{batch / lecture:8.0f} img/s   -> {lecture / ours:5.2f}x")
        if model == "dcgan":
            g_f = forward_flops(built.sampler)
            d_f = forward_flops(built.parts["discriminator"])
            # fwd+bwd = 3x fwd: D real 3D, fakes 1G, D fake 3D, G step 3G + 3D (through D).
            per_iter = batch * (9 * d_f + 4 * g_f)
            achieved = per_iter / ours / 1e9
            peak = matmul_gflops()
            print(f"3. dcgan: {per_iter / 1e9:.2f} GFLOP per iteration -> {achieved:.1f} GFLOP/s; "
                  f"dense float32 matmul {peak:.1f} GFLOP/s -> {100 * achieved / peak:.0f} %")

    zeros, _ = filter_classes(images, labels, [0])
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        sample_pixel_model(fit_pixel_model(zeros), 20, seed=0)
        runs.append(time.perf_counter() - t0)
    ours = statistics.median(runs)
    t0 = time.perf_counter()
    lecture_pixel(zeros, 20)
    lecture = time.perf_counter() - t0
    print(f"4. pixel model, fit on {len(zeros)} zeros + 20 samples: genflow {ours * 1000:.1f} ms, "
          f"lecture loops {lecture:.2f} s -> {lecture / ours:.0f}x (goal >= 100x)")


if __name__ == "__main__":
    main()
