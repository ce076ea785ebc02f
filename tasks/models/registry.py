"""Models by name: build the networks from a ModelConfig and run the pre-flight check.

Every entry returns a ``Built``: the trainable model, the sampling sub-model (generator or
decoder; None for the pixel model), and facts the trainer needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genflow.errors import ConfigError
from tasks.models.config import ModelConfig, TrainConfig
from tasks.models.preflight import check_chain, check_image_output


@dataclass
class Built:
    """A built model.

    Attributes:
        kind: "pixel", "autoencoder", "vae" or "gan".
        model: the Keras model that ``fit`` trains (None for the pixel model).
        sampler: generator / decoder mapping (batch, zdim) to images, saved as .keras.
        encoder: encoder sub-model (autoencoders) or None.
        flat_images: the model consumes (batch, 784) rather than (batch, 28, 28, 1).
    """

    kind: str
    model: Any = None
    sampler: Any = None
    encoder: Any = None
    flat_images: bool = False
    parts: dict[str, Any] = field(default_factory=dict)


# Which data each model trains on by default (dataset, classes, value range).
MODEL_DATA: dict[str, tuple[str, list[int] | None, str]] = {
    "pixel": ("mnist", [0], "unit"),
    "autoencoder": ("mnist", None, "unit"),
    "vae": ("mnist", None, "unit"),
    "mlp_gan": ("mnist", None, "symmetric"),
    "dcgan": ("mnist", None, "symmetric"),
    "fashion_dcgan": ("fashion_mnist", [9], "symmetric"),
}


def build(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
          mixed_precision: bool = False) -> Built:
    """Build ``config.name`` and verify its shapes; ConfigError if they disagree."""
    name = config.name
    if name == "pixel":
        return Built(kind="pixel")
    if name == "autoencoder":
        from tasks.models.autoencoder import build_autoencoder

        model, encoder, decoder = build_autoencoder(config, jit_compile=jit_compile)
        check_chain(encoder, decoder, "autoencoder")
        check_image_output(decoder, (28, 28, 1), "autoencoder")
        return Built(kind="autoencoder", model=model, sampler=decoder, encoder=encoder)
    if name == "vae":
        from tasks.models.vae import build_vae

        model, encoder, decoder = build_vae(config, seed=train.seed, jit_compile=jit_compile)
        check_image_output(decoder, (28, 28, 1), "vae")
        return Built(kind="vae", model=model, sampler=decoder, encoder=encoder)
    if name in ("mlp_gan", "dcgan", "fashion_dcgan"):
        from tasks.models import gan_nets
        from tasks.models.gan import build_gan

        if name == "mlp_gan":
            g, d = gan_nets.build_mlp_generator(config), gan_nets.build_mlp_discriminator(config)
        else:
            g, d = gan_nets.build_dcgan_generator(config), gan_nets.build_dcgan_discriminator(config)
        check_chain(g, d, name)
        gan = build_gan(g, d, config.zdim, config.learning_rate, config.beta_1, train.seed,
                        jit_compile=jit_compile, mixed_precision=mixed_precision)
        return Built(kind="gan", model=gan, sampler=g, flat_images=name == "mlp_gan",
                     parts={"discriminator": d})
    raise ConfigError(f"model {name!r} is not registered")
