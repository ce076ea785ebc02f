"""Kernel Inception Distance: the unbiased MMD^2 with the cubic polynomial kernel (Bińkowski
et al. 2018), averaged over disjoint blocks so that its standard error is honest.

The real and generated rows are each shuffled with the seed and cut into B disjoint blocks of
``block_size``; block b of one side is compared with block b of the other. The B estimates are
independent and unbiased, so their mean is KID and their standard error (s / √B) is
``kid_std`` with a t interval (B - 1 degrees of freedom).
"""

from __future__ import annotations

import numpy as np

from genflow.core.errors import InputError
from genflow.tasks.evaluation.intervals import blocks


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 between two (m, d) blocks with k(a, b) = (a.b / d + 1)^3."""
    d, m, n = x.shape[1], len(x), len(y)
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
                 + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean())


def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, max_blocks: int = 50,
                              block_size: int = 200, seed: int = 0
                              ) -> tuple[float, float, float, float, int]:
    """KID between two feature sets over disjoint blocks.

    Args:
        real, fake: float (n, d) features with the same d.
        max_blocks: at most this many blocks; block_size: rows per block and side (shrunk to
            half the smaller side when that is smaller, so there are at least 2 blocks).
        seed: shuffling seed.

    Returns:
        (kid, standard error, low, high, rows of fake used); plain floats, 0 in expectation for
        identical distributions (estimates can be slightly negative).

    Raises:
        InputError: mismatched dimensions, or fewer than 4 rows on a side.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise InputError(f"KID: feature shapes {real.shape} and {fake.shape} do not match")
    smaller = min(len(real), len(fake))
    if smaller < 4:
        raise InputError(f"KID needs at least 4 rows per side (real {len(real)}, "
                         f"generated {len(fake)})")
    m = max(2, min(block_size, smaller // 2))
    count = max(1, min(max_blocks, smaller // m))
    rng = np.random.default_rng(seed)
    r, f = real[rng.permutation(len(real))], fake[rng.permutation(len(fake))]
    estimates = [mmd2_unbiased(r[b * m:(b + 1) * m], f[b * m:(b + 1) * m]) for b in range(count)]
    kid, se, low, high = blocks(np.asarray(estimates))
    return kid, se, low, high, count * m
