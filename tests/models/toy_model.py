"""A toy model registered by the registry test: a tiny MLP GAN built outside genflow."""

from __future__ import annotations

from genflow.tasks.models.built import Built
from genflow.tasks.models.config import ModelConfig, TrainConfig


def build_toy(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
              mixed_precision: bool = False) -> Built:
    import keras

    from genflow.tasks.models.gan import build_gan

    z = keras.Input((config.zdim,))
    g = keras.Model(z, keras.layers.Reshape((28, 28, 1))(
        keras.layers.Dense(784, activation="tanh")(keras.layers.Dense(16, activation="relu")(z))),
        name="toy_generator")
    x = keras.Input((28, 28, 1))
    d = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(x)),
                    name="toy_discriminator")
    gan = build_gan(g, d, config.zdim, config.learning_rate, config.beta_1, train.seed,
                    jit_compile=jit_compile, mixed_precision=mixed_precision)
    return Built(kind="gan", model=gan, sampler=g, parts={"discriminator": d})
