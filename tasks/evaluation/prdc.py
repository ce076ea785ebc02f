"""Improved precision/recall (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al.
2020) on feature vectors, with k-nearest-neighbour balls in Euclidean feature space."""

from __future__ import annotations

import numpy as np

from genflow.core.errors import InputError


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.clip(sq, 0.0, None))


def _kth_radius(x: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest other row."""
    d = _pairwise(x, x)
    np.fill_diagonal(d, np.inf)
    return np.partition(d, k - 1, axis=1)[:, k - 1]


def subsample(x: np.ndarray, n: int, seed: int) -> np.ndarray:
    """At most ``n`` rows of ``x``, drawn without replacement with ``seed``."""
    if len(x) <= n:
        return x
    return x[np.random.default_rng(seed).choice(len(x), n, replace=False)]


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """(precision, recall): share of fakes inside some real k-NN ball, and of reals inside some
    fake k-NN ball."""
    real, fake = _check(real, fake, k)
    d = _pairwise(real, fake)
    precision = (d <= _kth_radius(real, k)[:, None]).any(axis=0).mean()
    recall = (d <= _kth_radius(fake, k)[None, :]).any(axis=1).mean()
    return float(precision), float(recall)


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> tuple[float, float]:
    """(density, coverage): density ~ 1 and coverage ~ 1 - 2^-k for identical distributions."""
    real, fake = _check(real, fake, k)
    radius = _kth_radius(real, k)
    inside = _pairwise(real, fake) <= radius[:, None]
    density = inside.sum() / (k * fake.shape[0])
    coverage = inside.any(axis=1).mean()
    return float(density), float(coverage)


def _check(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise InputError(f"feature shapes {real.shape} and {fake.shape} do not match")
    if min(len(real), len(fake)) <= k:
        raise InputError(f"k={k} needs more than {k} rows per side "
                         f"(real {len(real)}, generated {len(fake)})")
    return real, fake
