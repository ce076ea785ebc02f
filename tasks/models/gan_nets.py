"""P6 (MLP GAN) and P7/P8 (DCGAN) generator and discriminator builders, exactly as lectured.

Generators map noise (batch, zdim) float32 ~ N(0, 1) to images in [-1, 1] (tanh): flat
(batch, 784) for the MLP GAN, (batch, 28, 28, 1) for the DCGAN. Discriminators output a
probability (batch, 1) in [0, 1] (sigmoid), always float32.
"""

from __future__ import annotations

from typing import Any

from genflow.tasks.models.config import ModelConfig


def build_mlp_generator(config: ModelConfig) -> Any:
    import keras
    from keras import layers

    z = keras.Input((config.zdim,), name="noise")
    x = z
    for units in config.generator_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope=config.leaky_slope)(x)
    out = layers.Dense(config.generator_output, activation="tanh", dtype="float32")(x)
    return keras.Model(z, out, name="generator")


def build_mlp_discriminator(config: ModelConfig) -> Any:
    """Dense 1024 -> 512 -> 256 (the generator's sizes reversed), LeakyReLU, Dropout each."""
    import keras
    from keras import layers

    x_in = keras.Input((784,), name="image")
    x = x_in
    for units in reversed(config.generator_units):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope=config.leaky_slope)(x)
        x = layers.Dropout(config.dropout)(x)
    out = layers.Dense(1, activation="sigmoid", dtype="float32")(x)
    return keras.Model(x_in, out, name="discriminator")


def build_dcgan_generator(config: ModelConfig) -> Any:
    import keras
    from keras import layers

    m = config.bn_momentum
    z = keras.Input((config.zdim,), name="noise")
    x = layers.Dense(3136)(z)
    x = layers.BatchNormalization(momentum=m)(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.UpSampling2D()(x)
    x = layers.Conv2D(128, 5, padding="same")(x)
    x = layers.BatchNormalization(momentum=m)(x)
    x = layers.ReLU()(x)
    x = layers.UpSampling2D()(x)
    x = layers.Conv2D(64, 5, padding="same")(x)
    x = layers.BatchNormalization(momentum=m)(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(64, 5, padding="same")(x)
    x = layers.BatchNormalization(momentum=m)(x)
    x = layers.ReLU()(x)
    out = layers.Conv2D(1, 5, padding="same", activation="tanh", dtype="float32")(x)
    return keras.Model(z, out, name="generator")


def build_dcgan_discriminator(config: ModelConfig) -> Any:
    import keras
    from keras import layers

    x_in = keras.Input((28, 28, 1), name="image")
    x = x_in
    for filters, stride in ((64, 2), (64, 2), (128, 2), (128, 1)):
        x = layers.Conv2D(filters, 5, strides=stride, padding="same", activation="relu")(x)
        x = layers.Dropout(config.dropout)(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1, activation="sigmoid", dtype="float32")(x)
    return keras.Model(x_in, out, name="discriminator")
