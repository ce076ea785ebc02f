"""P1: the per-pixel 256-bin histogram model, fitted and sampled without Python loops.

Each of the 28x28 pixels gets its own distribution over intensities 0-255; a sample draws every
pixel independently. Shapes survive, strokes do not: pixels are not independent.
"""

from __future__ import annotations

import numpy as np

from genflow.errors import DataError

BINS = 256


def fit_pixel_model(images: np.ndarray) -> np.ndarray:
    """Per-pixel intensity histograms.

    Args:
        images: uint8 (N, 28, 28[, 1]), 0-255, N >= 1.

    Returns:
        float64 (28, 28, 256): P[r, c, v] = share of images whose pixel (r, c) equals v;
        each [r, c, :] sums to 1.
    """
    if images.dtype != np.uint8 or len(images) == 0:
        raise DataError(f"pixel model needs uint8 images, got {images.dtype} x {len(images)}")
    flat = images.reshape(len(images), -1).astype(np.int64)
    pixels = flat.shape[1]
    # One bincount over (pixel, value) pairs instead of 784 histograms.
    codes = (np.arange(pixels) * BINS)[None, :] + flat
    counts = np.bincount(codes.ravel(), minlength=pixels * BINS).reshape(pixels, BINS)
    side = int(round(pixels ** 0.5))
    return (counts / len(images)).reshape(side, side, BINS)


def sample_pixel_model(probs: np.ndarray, n: int, seed: int, chunk: int = 512) -> np.ndarray:
    """Draw ``n`` images, every pixel independently from its own histogram.

    Inverse-CDF sampling: one uniform per pixel, located in that pixel's cumulative histogram.

    Args:
        probs: float64 (28, 28, 256) from fit_pixel_model.
        n: number of images.
        seed: RNG seed (same seed, same images).
        chunk: images per vectorised block (bounds memory at chunk x 784 x 256 bools).

    Returns:
        uint8 (n, 28, 28, 1), 0-255.
    """
    side = probs.shape[0]
    cdf = np.cumsum(probs.reshape(-1, BINS), axis=1)
    cdf[:, -1] = 1.0  # guard against rounding below 1
    rng = np.random.default_rng(seed)
    out = np.empty((n, side * side), np.uint8)
    for start in range(0, n, chunk):
        u = rng.random((min(chunk, n - start), side * side))
        out[start:start + len(u)] = (u[:, :, None] >= cdf[None, :, :]).sum(axis=2)
    return out.reshape(n, side, side, 1)
