"""GAN losses as named pairs (TF-GAN style), on discriminator probabilities in [0, 1].

The lecture's recipe: the discriminator sees a real batch labelled 1 and a fake batch labelled
0; the generator is trained through the discriminator with label 1 (the non-saturating form
of the minimax game). All losses are binary cross-entropy means, float32 scalars.
"""

from __future__ import annotations

from typing import Any


def minimax_discriminator_loss(p_real: Any, p_fake: Any) -> tuple[Any, Any]:
    """(BCE(1, p_real), BCE(0, p_fake)) for probabilities (batch, 1)."""
    from keras import losses, ops

    return (ops.mean(losses.binary_crossentropy(ops.ones_like(p_real), p_real)),
            ops.mean(losses.binary_crossentropy(ops.zeros_like(p_fake), p_fake)))


def minimax_generator_loss(p_fake: Any) -> Any:
    """BCE(1, D(G(z))): the generator wants its fakes called real."""
    from keras import losses, ops

    return ops.mean(losses.binary_crossentropy(ops.ones_like(p_fake), p_fake))
