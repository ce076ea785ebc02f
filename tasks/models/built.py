"""What a model builder returns: the networks the trainer and the sampler need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Built:
    """A built model.

    Attributes:
        kind: the training recipe, one of registry.KINDS ("pixel", "autoencoder", "vae", "gan").
        model: the Keras model that ``fit`` trains (None for the pixel model).
        sampler: generator / decoder mapping (batch, zdim) float32 to images, saved as .keras.
        encoder: encoder sub-model (autoencoders) or None.
        flat_images: the model consumes (batch, 784) rather than (batch, 28, 28, 1).
        parts: other networks worth saving by name (the GANs' "discriminator").
    """

    kind: str
    model: Any = None
    sampler: Any = None
    encoder: Any = None
    flat_images: bool = False
    parts: dict[str, Any] = field(default_factory=dict)
