"""Seeded batch sampling from a trained model, bounded in memory by one batch.

Noise for sample i is the i-th row of one seeded N(0, I) stream, so a sample set does not depend
on the batch size. The plain autoencoder has no prior: it generates from a Gaussian fitted to
its encodings of training images (mean and full covariance), the P3 idea made systematic.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from genflow.core.errors import InputError
from genflow.storage.png import to_uint8
from genflow.tasks.models.pixel import sample_pixel_model


def latent_gaussian(encoder: Any, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean (zdim,), covariance (zdim, zdim)) of ``encoder``'s codes of float images."""
    z = np.asarray(encoder.predict(images, batch_size=512, verbose=0), np.float64)
    return z.mean(0), np.cov(z, rowvar=False) + 1e-6 * np.eye(z.shape[1])


def noise_batches(n: int, zdim: int, seed: int, batch: int,
                  gaussian: tuple[np.ndarray, np.ndarray] | None = None) -> Iterator[np.ndarray]:
    """float32 (b, zdim) noise batches, N(0, I) or the given Gaussian."""
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(gaussian[1]) if gaussian is not None else None
    for start in range(0, n, batch):
        z = rng.standard_normal((min(batch, n - start), zdim))
        if gaussian is not None:
            z = gaussian[0] + z @ chol.T
        yield z.astype(np.float32)


def model_batches(sampler: Any, n: int, seed: int, batch: int, value_range: str,
                  gaussian: tuple[np.ndarray, np.ndarray] | None = None) -> Iterator[np.ndarray]:
    """uint8 (b, 28, 28, 1) images decoded from seeded noise, ``batch`` at a time."""
    if n < 1:
        raise InputError(f"number of samples must be >= 1, got {n}")
    zdim = int(sampler.input.shape[-1])
    for z in noise_batches(n, zdim, seed, batch, gaussian):
        images = np.asarray(sampler(z, training=False))
        yield to_uint8(images, value_range).reshape(len(z), 28, 28, 1)


def pixel_batches(probs: np.ndarray, n: int, seed: int, batch: int) -> Iterator[np.ndarray]:
    """uint8 (b, 28, 28, 1) pixel-model samples, ``batch`` at a time (seed per batch index)."""
    if n < 1:
        raise InputError(f"number of samples must be >= 1, got {n}")
    for i, start in enumerate(range(0, n, batch)):
        yield sample_pixel_model(probs, min(batch, n - start), seed=seed * 1_000_003 + i)
