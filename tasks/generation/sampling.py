"""Seeded batch sampling from a trained model, bounded in memory by one batch.

Noise for sample i is the i-th row of one seeded N(0, I) stream, so a sample set does not depend
on the batch size. The plain autoencoder has no prior: it generates from a mixture of
``MIXTURE_COMPONENTS`` Gaussians fitted to its encodings of training images (k-means cells,
each with its share, mean and full covariance), the P3 idea made systematic: the ex-post
density estimation of Ghosh et al. 2020 ("From variational to deterministic autoencoders", a
10-component mixture). One Gaussian over all codes puts much of its mass between the digits:
on the quick autoencoder the domain classifier's mean top-class probability was 0.84-0.85
with one Gaussian and 0.94 with ten (class 1 at 5.5 % of the samples, 11.8 % with ten).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from genflow.core.errors import InputError
from genflow.core.kmeans import kmeans_cells
from genflow.storage.png import to_uint8
from genflow.tasks.models.pixel import sample_pixel_model

MIXTURE_COMPONENTS = 10
MIXTURE_FIT_IMAGES = 5000  # training images whose codes the mixture is fitted to
# A mixture: (weights (k,), means (k, zdim), covariances (k, zdim, zdim)), float64.
Mixture = tuple[np.ndarray, np.ndarray, np.ndarray]


def mixture_fit_rows(n: int, seed: int) -> np.ndarray:
    """int64 sorted rows of the (at most) ``MIXTURE_FIT_IMAGES`` of n training images the
    mixture is fitted to: a seeded draw, never a prefix (the MNIST sample is sorted by label)."""
    return np.sort(np.random.default_rng([seed, 5000]).permutation(n)[:MIXTURE_FIT_IMAGES])


def latent_mixture(encoder: Any, images: np.ndarray, seed: int,
                   components: int = MIXTURE_COMPONENTS) -> Mixture:
    """A Gaussian mixture fitted to ``encoder``'s codes of float images (n, 28, 28, 1): k-means
    cells of the codes, each with its share, mean and full covariance (+ 1e-6 I). A cell with
    fewer than zdim + 1 codes is dropped (its covariance would be singular)."""
    z = np.asarray(encoder.predict(images, batch_size=512, verbose=0), np.float64)
    label = kmeans_cells(z, components, seed).assign(z)
    keep = [c for c in range(components) if (label == c).sum() > z.shape[1]]
    if not keep:
        raise InputError(f"{len(z)} codes are too few for a mixture of {z.shape[1]}-d Gaussians")
    weights = np.array([(label == c).sum() for c in keep], np.float64)
    means = np.stack([z[label == c].mean(0) for c in keep])
    covs = np.stack([np.cov(z[label == c], rowvar=False) + 1e-6 * np.eye(z.shape[1])
                     for c in keep])
    return weights / weights.sum(), means, covs


def noise_batches(n: int, zdim: int, seed: int, batch: int,
                  mixture: Mixture | None = None) -> Iterator[np.ndarray]:
    """float32 (b, zdim) noise batches, N(0, I) or draws from the given mixture (row i's
    component and its N(0, I) noise come from the same seeded streams at any batch size)."""
    rng = np.random.default_rng(seed)
    if mixture is not None:
        weights, means, covs = mixture
        chols = np.linalg.cholesky(covs)
        pick = np.random.default_rng([seed, 1]).choice(len(weights), n, p=weights)
    for start in range(0, n, batch):
        z = rng.standard_normal((min(batch, n - start), zdim))
        if mixture is not None:
            c = pick[start:start + len(z)]
            z = means[c] + np.einsum("bij,bj->bi", chols[c], z)
        yield z.astype(np.float32)


def model_batches(sampler: Any, n: int, seed: int, batch: int, value_range: str,
                  mixture: Mixture | None = None) -> Iterator[np.ndarray]:
    """uint8 (b, 28, 28, 1) images decoded from seeded noise, ``batch`` at a time."""
    if n < 1:
        raise InputError(f"number of samples must be >= 1, got {n}")
    zdim = int(sampler.input.shape[-1])
    for z in noise_batches(n, zdim, seed, batch, mixture):
        images = np.asarray(sampler(z, training=False))
        yield to_uint8(images, value_range).reshape(len(z), 28, 28, 1)


def pixel_batches(probs: np.ndarray, n: int, seed: int, batch: int) -> Iterator[np.ndarray]:
    """uint8 (b, 28, 28, 1) pixel-model samples, ``batch`` at a time (seed per batch index)."""
    if n < 1:
        raise InputError(f"number of samples must be >= 1, got {n}")
    for i, start in enumerate(range(0, n, batch)):
        yield sample_pixel_model(probs, min(batch, n - start), seed=seed * 1_000_003 + i)
