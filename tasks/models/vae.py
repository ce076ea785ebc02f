"""P5: variational autoencoder with the P2 encoder/decoder shape.

The encoder's conv stack ends in two Dense(zdim) heads, mu and log-variance; z = mu +
exp(logvar / 2) * eps. Loss per image = binary cross-entropy summed over the 784 pixels +
KL(q(z|x) || N(0, I)). Images float32 (batch, 28, 28, 1) in [0, 1].
"""

from __future__ import annotations

from typing import Any

from genflow.tasks.models.autoencoder import build_decoder, conv_stack
from genflow.tasks.models.config import ModelConfig

LOSS_KEYS = ("loss", "reconstruction", "kl")


def build_vae_encoder(zdim: int) -> Any:
    """(batch, 28, 28, 1) -> [mu (batch, zdim), logvar (batch, zdim)]."""
    import keras
    from keras import layers

    x_in = keras.Input((28, 28, 1), name="image")
    x = conv_stack(x_in)
    mu = layers.Dense(zdim, name="mu", dtype="float32")(x)
    logvar = layers.Dense(zdim, name="logvar", dtype="float32")(x)
    return keras.Model(x_in, [mu, logvar], name="vae_encoder")


def make_vae_class() -> type:
    import keras
    from keras import ops

    class VAE(keras.Model):
        """Encoder + decoder with a custom train step; ``decoder`` is the sampling sub-model."""

        def __init__(self, encoder: Any, decoder: Any, seed: int = 0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.trackers = {k: keras.metrics.Mean(name=k) for k in LOSS_KEYS}

        @property
        def metrics(self) -> list[Any]:
            return list(self.trackers.values())

        def call(self, x: Any, training: bool = False) -> Any:
            mu, _ = self.encoder(x, training=training)
            return self.decoder(mu, training=training)

        def _loss_terms(self, x: Any, training: bool) -> tuple[Any, Any, Any]:
            mu, logvar = self.encoder(x, training=training)
            eps = keras.random.normal(ops.shape(mu), seed=self.seed_generator)
            z = mu + ops.exp(0.5 * logvar) * eps
            recon = self.decoder(z, training=training)
            bce = keras.losses.binary_crossentropy(
                ops.reshape(x, (-1, 784)), ops.reshape(recon, (-1, 784)))
            rec = ops.mean(bce * 784.0)
            kl = ops.mean(-0.5 * ops.sum(1 + logvar - ops.square(mu) - ops.exp(logvar), axis=1))
            return rec + kl, rec, kl

        def train_step(self, data: Any) -> dict[str, Any]:
            import tensorflow as tf

            x = data[0] if isinstance(data, tuple) else data
            # Gradients are summed over replicas; under mixed precision the loss is scaled
            # before differentiation and the LossScaleOptimizer unscales in apply (without
            # it float16 gradients damp or underflow). scale_loss is the identity otherwise.
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            with tf.GradientTape() as tape:
                total, rec, kl = self._loss_terms(x, training=True)
                scaled = self.optimizer.scale_loss(total / replicas)
            grads = tape.gradient(scaled, self.trainable_weights)
            self.optimizer.apply(grads, self.trainable_weights)
            for k, v in zip(LOSS_KEYS, (total, rec, kl), strict=True):
                self.trackers[k].update_state(v)
            return {k: t.result() for k, t in self.trackers.items()}

        def test_step(self, data: Any) -> dict[str, Any]:
            x = data[0] if isinstance(data, tuple) else data
            total, rec, kl = self._loss_terms(x, training=False)
            for k, v in zip(LOSS_KEYS, (total, rec, kl), strict=True):
                self.trackers[k].update_state(v)
            return {k: t.result() for k, t in self.trackers.items()}

    return VAE


def build_vae(config: ModelConfig, seed: int = 0, jit_compile: bool = False,
              mixed_precision: bool = False) -> tuple[Any, Any, Any]:
    """(vae, encoder, decoder), compiled with Adam (a LossScaleOptimizer under mixed
    precision)."""
    import keras

    encoder = build_vae_encoder(config.zdim)
    decoder = build_decoder(config.zdim, final_activation="sigmoid")
    vae = make_vae_class()(encoder, decoder, seed=seed, name="vae")
    optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
    if mixed_precision:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    vae.compile(optimizer=optimizer, jit_compile=jit_compile)
    return vae, encoder, decoder
