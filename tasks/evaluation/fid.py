"""Fréchet Inception-style distance as a chain of pure steps: features -> statistics -> distance.

FID = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)), in float64. The trace of the matrix square
root comes from symmetric eigendecompositions, not ``scipy.linalg.sqrtm`` (whose ``disp``
argument broke pytorch-fid and clean-fid on SciPy 1.18):

    A = S1^(1/2) (eigh of S1, eigenvalues clipped at 0);   M = A S2 A  (symmetric PSD)
    Tr (S1 S2)^(1/2) = Tr M^(1/2) = sum sqrt(max(eigvalsh(M), 0))

because S1 S2 is similar to A S2 A. The result is clamped at 0 (rounding can go below).
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.linalg

from genflow.core.errors import InputError

log = logging.getLogger(__name__)


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance of features.

    Args:
        features: float (n, d), n >= 2, finite.

    Returns:
        (mu float64 (d,), sigma float64 (d, d)) with sigma = X_c^T X_c / (n - 1).
    """
    x = np.asarray(features)
    if x.ndim != 2 or len(x) < 2:
        raise InputError(f"features: need (n >= 2, d), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise InputError("features: contain NaN or Inf")
    x = x.astype(np.float64)
    mu = x.mean(axis=0)
    centred = x - mu
    sigma = centred.T @ centred / (len(x) - 1)
    if len(x) <= x.shape[1]:
        log.warning("FID statistics from n=%d <= d=%d features: the covariance is rank "
                    "deficient and FID is biased upwards; report n beside it", len(x), x.shape[1])
    return mu, sigma


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) as a plain float >= 0.

    Raises:
        InputError: mismatched dimensions, non-square or non-finite statistics.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise InputError(f"statistics disagree in dimension: mu {mu1.shape} / {mu2.shape}, "
                         f"sigma {s1.shape} / {s2.shape}")
    for name, a in (("mu1", mu1), ("mu2", mu2), ("sigma1", s1), ("sigma2", s2)):
        if not np.isfinite(a).all():
            raise InputError(f"{name} contains NaN or Inf")
    s1 = (s1 + s1.T) / 2
    s2 = (s2 + s2.T) / 2
    w, v = scipy.linalg.eigh(s1, driver="evd")
    root = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    m = root @ s2 @ root
    eig = scipy.linalg.eigh((m + m.T) / 2, eigvals_only=True, driver="evd")
    trace_sqrt = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    diff = mu1 - mu2
    fid = float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt)
    return max(fid, 0.0)
