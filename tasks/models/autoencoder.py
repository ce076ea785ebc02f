"""P2/P4: the lecture's convolutional autoencoder (zdim 32; zdim 2 for the latent map).

Encoder (193,056 parameters at zdim 32) and decoder (196,097) exactly as program 10-2a.
Inputs and outputs are float32 (batch, 28, 28, 1) in [0, 1].
"""

from __future__ import annotations

from typing import Any

from genflow.tasks.models.config import ModelConfig


def conv_stack(x_in: Any) -> Any:
    """P2's encoder body: Conv 32 s1 -> 64 s2 -> 64 s2 -> 64 s1 (3x3, ReLU) -> Flatten (3136)."""
    from keras import layers

    x = layers.Conv2D(32, 3, strides=1, padding="same", activation="relu")(x_in)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(64, 3, strides=1, padding="same", activation="relu")(x)
    return layers.Flatten()(x)


def build_encoder(zdim: int, name: str = "encoder") -> Any:
    """(batch, 28, 28, 1) -> (batch, zdim)."""
    import keras
    from keras import layers

    x_in = keras.Input((28, 28, 1), name="image")
    # float32 codes under mixed precision: generation fits a Gaussian to them
    z = layers.Dense(zdim, name="z", dtype="float32")(conv_stack(x_in))
    return keras.Model(x_in, z, name=name)


def build_decoder(zdim: int, final_activation: str = "relu", name: str = "decoder") -> Any:
    """(batch, zdim) -> (batch, 28, 28, 1). The lecture ends in ReLU; the VAE uses sigmoid."""
    import keras
    from keras import layers

    z_in = keras.Input((zdim,), name="z")
    x = layers.Dense(3136)(z_in)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, strides=1, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(1, 3, strides=1, padding="same", activation=final_activation,
                               dtype="float32")(x)
    return keras.Model(z_in, x, name=name)


def build_autoencoder(config: ModelConfig, jit_compile: bool = False) -> tuple[Any, Any, Any]:
    """(autoencoder, encoder, decoder), compiled with Adam and MSE as in the lecture."""
    import keras

    encoder = build_encoder(config.zdim)
    decoder = build_decoder(config.zdim)
    x_in = keras.Input((28, 28, 1))
    model = keras.Model(x_in, decoder(encoder(x_in)), name="autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1),
                  loss="mse", jit_compile=jit_compile)
    return model, encoder, decoder
