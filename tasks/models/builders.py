"""Builders of the lecture models, one per registry entry: ModelConfig -> checked Built.

Each builder constructs its networks (Keras is imported only here, lazily) and runs the
pre-flight shape checks, raising ConfigError when the shapes disagree.
"""

from __future__ import annotations

from genflow.tasks.models.built import Built
from genflow.tasks.models.config import ModelConfig, TrainConfig
from genflow.tasks.models.preflight import check_chain, check_image_output


def build_pixel(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
                mixed_precision: bool = False) -> Built:
    """P1 has no network: per-pixel histograms are fitted in numpy."""
    return Built(kind="pixel")


def build_autoencoder_model(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
                            mixed_precision: bool = False) -> Built:
    from genflow.tasks.models.autoencoder import build_autoencoder

    model, encoder, decoder = build_autoencoder(config, jit_compile=jit_compile)
    check_chain(encoder, decoder, config.name)
    check_image_output(decoder, (28, 28, 1), config.name)
    return Built(kind="autoencoder", model=model, sampler=decoder, encoder=encoder)


def build_vae_model(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
                    mixed_precision: bool = False) -> Built:
    from genflow.tasks.models.vae import build_vae

    model, encoder, decoder = build_vae(config, seed=train.seed, jit_compile=jit_compile,
                                        mixed_precision=mixed_precision)
    check_image_output(decoder, (28, 28, 1), config.name)
    return Built(kind="vae", model=model, sampler=decoder, encoder=encoder)


def _gan(config: ModelConfig, train: TrainConfig, g: object, d: object, flat: bool,
         jit_compile: bool, mixed_precision: bool, d_step: str) -> Built:
    from genflow.tasks.models.gan import build_gan

    check_chain(g, d, config.name)
    gan = build_gan(g, d, config.zdim, config.learning_rate, config.beta_1, train.seed,
                    jit_compile=jit_compile, mixed_precision=mixed_precision, d_step=d_step,
                    d_learning_rate=config.d_learning_rate, ema=config.ema)
    return Built(kind="gan", model=gan, sampler=gan.sampler, flat_images=flat,
                 parts={"discriminator": d})


def build_mlp_gan(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
                  mixed_precision: bool = False) -> Built:
    from genflow.core.errors import ConfigError
    from genflow.tasks.models import gan_nets

    try:
        return _gan(config, train, gan_nets.build_mlp_generator(config),
                    gan_nets.build_mlp_discriminator(config), True, jit_compile, mixed_precision,
                    d_step="concatenated")  # P6: one D step on real + fake
    except ConfigError as e:  # the one field that sets G's output size
        raise ConfigError(f"model.generator_output={config.generator_output}: {e}") from e


def build_dcgan(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
                mixed_precision: bool = False) -> Built:
    from genflow.tasks.models import gan_nets

    return _gan(config, train, gan_nets.build_dcgan_generator(config),
                gan_nets.build_dcgan_discriminator(config), False, jit_compile, mixed_precision,
                d_step="separate")  # P7: a D step on real, then one on fake
