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
import math

import numpy as np
import scipy.linalg
import scipy.stats

from genflow.core.errors import InputError
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import intervals
from genflow.tasks.evaluation.entries import Judging, Metric, Triple
from genflow.tasks.evaluation.threads import one_blas_thread

log = logging.getLogger(__name__)


def feature_statistics(features: np.ndarray, warn: bool = True
                       ) -> tuple[np.ndarray, np.ndarray]:
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
    if warn and len(x) <= x.shape[1]:
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


class DistanceToReference:
    """Fréchet distance of many feature sets to one fixed reference (bootstrap resamples):
    Tr (S R)^(1/2) = Tr (B S B)^(1/2) with B = R^(1/2) computed once, so each call costs one
    covariance and one symmetric eigenvalue solve. Agrees with ``frechet_distance`` to rounding
    (the reported FID itself always comes from ``frechet_distance``)."""

    def __init__(self, mu_ref: np.ndarray, sigma_ref: np.ndarray) -> None:
        self.mu = np.asarray(mu_ref, np.float64)
        r = np.asarray(sigma_ref, np.float64)
        r = (r + r.T) / 2
        w, v = scipy.linalg.eigh(r, driver="evd")
        self.root = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
        self.trace_ref = float(np.trace(r))

    def __call__(self, features: np.ndarray) -> float:
        mu, sigma = feature_statistics(features, warn=False)  # bootstrap: many calls
        m = self.root @ sigma @ self.root
        eig = scipy.linalg.eigvalsh((m + m.T) / 2, driver="evd")
        diff = mu - self.mu
        fid = float(diff @ diff + np.trace(sigma) + self.trace_ref
                    - 2.0 * np.sqrt(np.clip(eig, 0.0, None)).sum())
        return max(fid, 0.0)


def fid_standard_error(features: np.ndarray, mu_ref: np.ndarray, sigma_ref: np.ndarray,
                       resamples: int, seed: int) -> float:
    """FID's standard error over draws of the set, given the reference (NaN with fewer than
    2 resamples or rows).

    The plain bootstrap overstates it, most near the floor (√3 × at the floor: 1.7 × in a
    simulation): FID is close to a quadratic in the set's mean and covariance, and a resample
    starts from the observed set, whose own sampling error adds to the resample's. To second
    order the bootstrap variance is the true one plus twice the purely quadratic part
    ``a = ½ tr((H Σ_e)²)``; ``a`` is the bootstrap variance of the resamples' FID to the set
    itself (where the linear part vanishes), computed from the same resamples::

        se² = max(var*(FID(X*, ref)) - 2 var*(FID(X*, X)), var*(FID(X*, ref)) / 3)

    (the bound: at the floor the bootstrap variance is 3a, never less than the truth's a).
    On Gaussian features (d = 32, N = 600 and 2,000, 20,000 reference rows) the ratio to the
    spread over independent draws is 0.97–1.06, coverage 0.93–0.97 (tests/evaluation/
    test_fid.py); on real Fashion-MNIST draws bench/intervals.py measured 1.26.

    Args:
        features: float (n, d) of the set; mu_ref, sigma_ref: the reference statistics.
    """
    f = np.asarray(features, np.float64)
    n = len(f)
    if resamples < 2 or n < 2:
        return math.nan
    to_ref = DistanceToReference(mu_ref, sigma_ref)
    to_self = DistanceToReference(*feature_statistics(f, warn=False))
    rng = np.random.default_rng(seed)
    a, b = np.empty(resamples), np.empty(resamples)
    with one_blas_thread(f.shape[1]):
        for i in range(resamples):
            x = f[rng.integers(0, n, n)]
            a[i], b[i] = to_ref(x), to_self(x)
    va, vb = float(np.var(a, ddof=1)), float(np.var(b, ddof=1))
    return math.sqrt(max(va - 2.0 * vb, va / 3.0))


def _fit_sizes(n: int, d: int, points: int) -> np.ndarray:
    """Subset sizes from n/2 (at least 2d, at most n) to n: below n/2 FID's curvature in 1/N
    biases the straight-line fit (on 128-d Gaussian features from n/4 FD∞ came out -0.26 for
    fresh images at N = R = 2,000, from n/2 -0.06 ± 0.05, equally calibrated)."""
    lowest = min(n, max(n // 2, 2 * d))
    return np.unique(np.linspace(lowest, n, points).astype(int))


def _fit_points(f: np.ndarray, sizes: np.ndarray, draws: int, distance: DistanceToReference,
                rng: np.random.Generator, reference: np.ndarray | None, ref_sizes: np.ndarray,
                inverse_r: float | None) -> tuple[list[tuple[float, ...]], list[float]]:
    """fd_infinity's design rows and FIDs: subsets of the set, then of the reference."""
    n = len(f)
    r = 0 if reference is None else len(reference)
    design: list[tuple[float, ...]] = []
    ys: list[float] = []
    for size in sizes:
        for _ in range(draws if size < n else 1):
            rows = rng.choice(n, size, replace=False)
            design.append((1.0, 1.0 / size) + (() if inverse_r is None else (inverse_r,)))
            ys.append(distance(f[rows]))
    if inverse_r is not None:
        ref = np.asarray(reference, np.float64)
        to_set = DistanceToReference(*feature_statistics(f, warn=False))  # FID is symmetric
        for size in ref_sizes[ref_sizes < r]:
            for _ in range(draws):
                design.append((1.0, 1.0 / n, 1.0 / size))
                ys.append(to_set(ref[rng.choice(r, size, replace=False)]))
    return design, ys


def fd_infinity(features: np.ndarray, mu_ref: np.ndarray, sigma_ref: np.ndarray, seed: int,
                points: int = 6, draws: int = 3, sampling_se: float = 0.0,
                reference: np.ndarray | None = None) -> tuple[float, float, float]:
    """FD∞ (Chong & Forsyth 2020): FID is biased by 1/N, so FID is computed on seeded random
    subsets at ``points`` sizes N from n/2 (at least 2d, at most n) to n, ``draws`` each, fitted
    by least squares as FID(N) = FD∞ + b / N, and extrapolated to 1/N = 0.

    The reference's size biases FID the same way: after the 1/N extrapolation alone, fresh
    images against 2,000 reference rows scored 0.25 on 32-d and 2.8 on 128-d Gaussian features.
    Given the reference rows, FID is also computed from the whole set to seeded subsets of the
    reference at ``points`` sizes R (from r/2, at least 2d), and the fit is
    FID(N, R) = FD∞ + b / N + c / R, extrapolated to both sizes infinite: fresh images then
    score ≈ 0 at any reference size (tests/evaluation/test_fid.py).

    Args:
        features: float (n, d) of the set; mu_ref, sigma_ref: the reference statistics.
        sampling_se: the standard error of FID over resamples of the n rows (the subsets are
            nested in one set, so the fit alone does not see the set's own sampling variance).
        reference: float (r, d), the rows mu_ref and sigma_ref were computed from (None: the
            1/N fit alone).

    Returns:
        (FD∞, low, high): the intercept and its 95 % interval, combining the fit's standard
        error with ``sampling_se``; NaN when n is too small to fit (fewer than 3 sizes).
    """
    f = np.asarray(features, np.float64)
    n, d = f.shape
    sizes = _fit_sizes(n, d, points)
    if len(sizes) < 3:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    distance = DistanceToReference(mu_ref, sigma_ref)
    r = 0 if reference is None else len(reference)
    ref_sizes = _fit_sizes(r, d, points) if r else np.empty(0, int)
    inverse_r = 1.0 / r if len(ref_sizes) >= 3 else None
    with one_blas_thread(d):
        design, ys = _fit_points(f, sizes, draws, distance, rng, reference, ref_sizes, inverse_r)
    a, y = np.asarray(design), np.asarray(ys)
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    dof = len(y) - a.shape[1]
    residual = float(np.sum((y - a @ coef) ** 2)) / dof
    intercept_se = math.sqrt(max(residual * float(np.linalg.inv(a.T @ a)[0, 0]), 0.0))
    half = math.hypot(float(scipy.stats.t.ppf(0.975, dof)) * intercept_se,
                      1.959963984540054 * sampling_se)
    return float(coef[0]), float(coef[0] - half), float(coef[0] + half)


METRICS = (
    Metric(names.FID, "lower", fresh="the floor", headline=True, trend=True,
           interval="value ± 1.96 standard errors from the bootstrap's resamples of the judged "
                    "rows with the plain bootstrap's excess removed (fid_standard_error); given "
                    "the reference"),
    Metric(names.FD_INF, "lower", fresh="≈ 0 at any reference size",
           interval="the fit's intercept standard error combined with FID's; given the "
                    "reference"),
)


def fid_interval(features: np.ndarray, mu: np.ndarray, sigma: np.ndarray, resamples: int,
                 seed: int, warn: bool = True) -> tuple[Triple, float]:
    """((FID, low, high), standard error) of float (n, d) features against the reference
    statistics: ± 1.96 ``fid_standard_error``, clipped at 0 (NaN bounds without one)."""
    value = frechet_distance(*feature_statistics(features, warn=warn), mu, sigma)
    se = fid_standard_error(features, mu, sigma, resamples, seed)
    bounds = (intervals.clip(value - intervals.Z95 * se, value + intervals.Z95 * se, lo=0.0)
              if np.isfinite(se) else (math.nan, math.nan))
    return (value, *bounds), se


def score(j: Judging) -> dict[str, Triple]:
    """FID and FD∞ of the judged features against the reference (see METRICS)."""
    mu, sigma = j.real.reference_stats
    fid, se = fid_interval(j.features, mu, sigma, j.config.bootstrap, j.seed)
    return {names.FID: fid,
            names.FD_INF: fd_infinity(j.features, mu, sigma, j.seed,
                                      sampling_se=se if np.isfinite(se) else 0.0,
                                      reference=j.real.reference)}


SCORERS = (score,)
