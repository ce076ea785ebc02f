"""Kernel Inception Distance: unbiased MMD^2 with the cubic polynomial kernel, averaged over
seeded random subsets (Bińkowski et al. 2018)."""

from __future__ import annotations

import numpy as np

from genflow.core.errors import InputError


def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, subsets: int = 100,
                              subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """KID between two feature sets.

    Args:
        real, fake: float (n, d) features with the same d.
        subsets: number of random subsets averaged.
        subset_size: rows per subset, drawn without replacement from each side.
        seed: subset RNG seed.

    Returns:
        (mean, std) of the unbiased MMD^2 estimates, plain floats; 0 in expectation for
        identical distributions (single estimates can be slightly negative).

    Raises:
        InputError: mismatched dimensions, or fewer rows than ``subset_size`` on a side.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise InputError(f"KID: feature shapes {real.shape} and {fake.shape} do not match")
    if subset_size < 2 or min(len(real), len(fake)) < subset_size:
        raise InputError(f"KID: subset size {subset_size} needs at least that many rows per side "
                         f"(real {len(real)}, generated {len(fake)})")
    d = real.shape[1]
    rng = np.random.default_rng(seed)
    m = subset_size
    estimates = np.empty(subsets)
    for s in range(subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        estimates[s] = ((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
                        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())
    return float(estimates.mean()), float(estimates.std())
