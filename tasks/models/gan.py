"""The GAN wrapper model: one compiled GradientTape train step (Keras 3 "custom train step").

Per iteration, as the lecture does it: the discriminator is updated on a real batch (label 1)
and a batch generated with the generator in inference mode (the lecture's
``generator.predict``, label 0): P7 (``d_step="separate"``) takes one optimiser step on each,
real then fake; P6 (``d_step="concatenated"``) one step on the two concatenated. Then the
generator is updated through the discriminator on fresh noise with label 1, only the
generator's weights receiving gradients. This replaces the ``D.trainable = False`` +
combined-model recipe, which in Keras 3 silently stops D learning.

Off the lecture (quick profile): the discriminator may take its own learning rate (TTUR) and
the generator's weights may be averaged (``ema``): then ``sampler`` is the averaged copy, a
non-trainable clone updated after every generator step, checkpointed with the rest.

Logged per iteration: ``d_loss`` as the notes plot it (the sum of the real and fake losses),
``g_loss``, D's thresholded accuracies and D's mean output on the real and on the fake batch
(``d_real_mean``, ``d_fake_mean``: both 0.5 at the equilibrium the notes describe).
"""

from __future__ import annotations

from typing import Any

from genflow.tasks.models.losses import minimax_discriminator_loss, minimax_generator_loss

METRIC_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real_mean", "d_fake_mean")
D_STEPS = ("separate", "concatenated")


def make_gan_class() -> type:
    import keras
    import tensorflow as tf
    from keras import ops

    class GAN(keras.Model):
        """Generator + discriminator; returns METRIC_KEYS from each step."""

        def __init__(self, generator: Any, discriminator: Any, zdim: int, seed: int = 0,
                     d_step: str = "separate", ema: float | None = None,
                     **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if d_step not in D_STEPS:
                raise ValueError(f"d_step {d_step!r} is not one of {D_STEPS}")
            self.d_step = d_step
            self.generator = generator
            self.discriminator = discriminator
            self.zdim = zdim
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.trackers = {k: keras.metrics.Mean(name=k) for k in METRIC_KEYS}
            self.ema = ema
            self.ema_generator = None
            if ema is not None:
                self.ema_generator = keras.models.clone_model(generator)
                self.ema_generator.set_weights(generator.get_weights())
                self.ema_generator.trainable = False

        @property
        def sampler(self) -> Any:
            """The network that samples: the weight average when there is one."""
            return self.generator if self.ema_generator is None else self.ema_generator

        def _average(self) -> None:
            # After the generator's step: every variable (BatchNorm's statistics too).
            t = ops.cast(self.g_optimizer.iterations, "float32")
            decay = ops.minimum(self.ema, (1.0 + t) / (10.0 + t))
            for avg, w in zip(self.ema_generator.variables, self.generator.variables,
                              strict=True):
                avg.assign(decay * avg + (1.0 - decay) * ops.cast(w, avg.dtype))

        @property
        def metrics(self) -> list[Any]:
            return list(self.trackers.values())

        def compile(self, d_optimizer: Any, g_optimizer: Any, **kwargs: Any) -> None:
            super().compile(**kwargs)
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer

        def call(self, images: Any, training: bool = False) -> Any:
            # The wrapper consumes data batches (Keras calls it on them, e.g. under a
            # distribution strategy): its output is D's verdict. Sampling uses .sampler.
            return self.discriminator(images, training=training)

        def _noise(self, batch: Any) -> Any:
            return keras.random.normal((batch, self.zdim), seed=self.seed_generator)

        def _update(self, optimizer: Any, loss_fn: Any, weights: list[Any]) -> Any:
            # Gradients are summed over replicas, so each replica's loss is divided by their
            # number; scale_loss is the identity except under mixed precision.
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            with tf.GradientTape() as tape:
                loss, extra = loss_fn()
                scaled = optimizer.scale_loss(loss / replicas)
            optimizer.apply(tape.gradient(scaled, weights), weights)
            return loss, extra

        def train_step(self, real: Any) -> dict[str, Any]:
            real = real[0] if isinstance(real, tuple) else real
            batch = ops.shape(real)[0]
            d, g = self.discriminator, self.generator

            if self.d_step == "concatenated":  # P6: one step on real + fake
                fake = ops.stop_gradient(g(self._noise(batch), training=False))

                def both_loss() -> tuple[Any, Any]:
                    p = d(ops.concatenate([real, ops.cast(fake, real.dtype)], axis=0),
                          training=True)
                    p_r, p_f = p[:batch], p[batch:]
                    lr, lf = minimax_discriminator_loss(p_r, p_f)
                    # optimised: the mean over the 2B rows, as train_on_batch on the
                    # concatenation; logged: the notes' sum of the two (d_loss below)
                    return 0.5 * (lr + lf), (lr, lf, p_r, p_f)

                _, (d_real, d_fake, p_real, p_fake) = self._update(
                    self.d_optimizer, both_loss, d.trainable_weights)
            else:  # P7: a step on the real batch, then one on the fake batch
                def real_loss() -> tuple[Any, Any]:
                    p = d(real, training=True)
                    return minimax_discriminator_loss(p, p)[0], p

                d_real, p_real = self._update(self.d_optimizer, real_loss, d.trainable_weights)
                fake = ops.stop_gradient(g(self._noise(batch), training=False))

                def fake_loss() -> tuple[Any, Any]:
                    p = d(fake, training=True)
                    return minimax_discriminator_loss(p, p)[1], p

                d_fake, p_fake = self._update(self.d_optimizer, fake_loss, d.trainable_weights)
            z = self._noise(batch)

            def gen_loss() -> tuple[Any, Any]:
                p = d(g(z, training=True), training=True)
                return minimax_generator_loss(p), p

            g_loss, _ = self._update(self.g_optimizer, gen_loss, g.trainable_weights)
            if self.ema_generator is not None:
                self._average()
            values = {
                "d_loss": d_real + d_fake,
                "g_loss": g_loss,
                "d_acc_real": ops.mean(ops.cast(p_real > 0.5, "float32")),
                "d_acc_fake": ops.mean(ops.cast(p_fake < 0.5, "float32")),
                "d_real_mean": ops.mean(ops.cast(p_real, "float32")),
                "d_fake_mean": ops.mean(ops.cast(p_fake, "float32")),
            }
            for k, v in values.items():
                self.trackers[k].update_state(v)
            return {k: t.result() for k, t in self.trackers.items()}

    return GAN


def build_gan(generator: Any, discriminator: Any, zdim: int, learning_rate: float, beta_1: float,
              seed: int, jit_compile: bool, mixed_precision: bool,
              d_step: str = "separate", d_learning_rate: float | None = None,
              ema: float | None = None) -> Any:
    """A compiled GAN wrapper with one Adam per network (LossScaleOptimizer under mixed
    precision); D's at ``d_learning_rate`` when given, G's weights averaged when ``ema``."""
    import keras

    def adam(rate: float) -> Any:
        opt = keras.optimizers.Adam(rate, beta_1=beta_1)
        return keras.optimizers.LossScaleOptimizer(opt) if mixed_precision else opt

    gan = make_gan_class()(generator, discriminator, zdim, seed=seed, d_step=d_step, ema=ema,
                           name="gan")
    gan.compile(d_optimizer=adam(d_learning_rate or learning_rate), g_optimizer=adam(learning_rate),
                jit_compile=jit_compile)
    return gan
