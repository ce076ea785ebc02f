"""Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD² U-statistic with the
cubic polynomial kernel k(a, b) = (a·b / d + 1)³, over every pair of sample and reference rows.

- ``kid``: the U-statistic on all m sample rows and all n reference rows (no blocks, no
  subsets), 0 in expectation when both come from one distribution.
- its interval: 95 % for that U-statistic over the sample rows **given the reference**
  (``_interval``: Hoeffding's variance, its arms built differently near KID = 0, where the
  statistic is degenerate): the reference's own sampling error is not in it, as for FID,
  since every model and the floor are judged against the same reference.
- ``kid_std``: the anchors' figure (torch-fidelity, clean-fid, dgm-eval): the spread (sd, ddof
  0) of the estimate over ``subsets`` random subsets of ``subset_size`` rows a side. It is not a
  standard error; the interval is.

The reference-only term Σ k(y, y') costs n² kernel evaluations (20,000 rows: 4 × 10⁸): it is
computed in blocks and remembered per reference content, so every model of a run pays it once.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from genflow.core.errors import InputError
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation.entries import Judging, Metric, Triple
from genflow.tasks.evaluation.intervals import Z95

_BLOCK = 4096
_REFERENCE_TERMS: dict[str, float] = {}  # sha256 of the reference -> its off-diagonal mean


@dataclass(frozen=True)
class KID:
    """KID of one sample set against a reference.

    Attributes:
        value: the unbiased MMD² over all pairs (can be slightly negative).
        se: standard error over the sample rows at ``value`` given the reference (ζ1
            clipped at 0).
        low, high: the 95 % interval (``_interval``): not symmetric; longer above.
        subset_std: sd over random subsets of ``subset_size`` rows a side (``kid_std``).
        n: sample rows used (all of them).
    """

    value: float
    se: float
    low: float
    high: float
    subset_std: float
    n: int


def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """k(a_i, b_j) for every pair: (len(a), len(b)) in a's dtype (in place, no pow)."""
    k = a @ b.T
    k *= 1.0 / a.shape[1]
    k += 1.0
    cube = k * k
    cube *= k
    return cube


def _off_diagonal_mean(y: np.ndarray) -> float:
    """Mean of k(y_i, y_j) over i != j, in blocks of rows (float64 accumulation)."""
    n, total = len(y), 0.0
    for start in range(0, n, _BLOCK):
        k = _kernel(y[start:start + _BLOCK], y)
        total += float(k.sum()) - float(np.trace(k, offset=start))
    return total / (n * (n - 1))


def _reference_term(y: np.ndarray) -> float:
    key = hashlib.sha256(np.ascontiguousarray(y).view(np.uint8)).hexdigest()
    if key not in _REFERENCE_TERMS:
        _REFERENCE_TERMS[key] = _off_diagonal_mean(y)
    return _REFERENCE_TERMS[key]


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² between two float (m, d) and (n, d) sets with the cubic kernel."""
    m, n = len(x), len(y)
    kxx, kyy = _kernel(x, x), _kernel(y, y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
                 + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * _kernel(x, y).mean())


def _subset_std(real: np.ndarray, fake: np.ndarray, subsets: int, size: int, seed: int) -> float:
    """sd of the estimate over random subsets of ``size`` rows a side, as torch-fidelity
    computes ``kid_std`` (float32 kernels: a spread, not the value)."""
    size = min(size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    y32, x32 = real.astype(np.float32), fake.astype(np.float32)
    estimates = []
    for _ in range(subsets):
        xs = x32[rng.choice(len(fake), size, replace=False)]
        ys = y32[rng.choice(len(real), size, replace=False)]
        kxx, kyy = _kernel(xs, xs), _kernel(ys, ys)
        same = (float(kxx.sum(dtype=np.float64)) - float(np.trace(kxx, dtype=np.float64))
                + float(kyy.sum(dtype=np.float64)) - float(np.trace(kyy, dtype=np.float64)))
        cross = float(_kernel(xs, ys).sum(dtype=np.float64))
        estimates.append(same / (size * (size - 1)) - 2 * cross / (size * size))
    return float(np.std(estimates))


def _variance_parts(m: int, a: float, b: float, c: float) -> tuple[float, float]:
    """The two parts of the variance of the order-2 U-statistic mean_{i != j} h_ij, from the
    sums of its kernel matrix H (zero diagonal): a = Σ h_ij, b = Σ h_ij², c = Σ_i (Σ_j h_ij)².

    Var(U) = 2 / (m (m - 1)) · (2 (m - 2) ζ1 + ζ2) (Hoeffding 1948), with θ², ζ1 + θ² and
    ζ2 + θ² estimated without bias from the distinct 4-, 3- and 2-tuples of rows. Returns
    (the ζ2 part 2 ζ2 / (m (m - 1)), the ζ1 part 4 (m - 2) ζ1 / (m (m - 1))); the ζ1 part is
    unclipped and can be negative (a variance estimated as a difference)."""
    theta2 = (a * a + 2 * b - 4 * c) / (m * (m - 1) * (m - 2) * (m - 3))
    zeta1 = (c - b) / (m * (m - 1) * (m - 2)) - theta2
    zeta2 = b / (m * (m - 1)) - theta2
    return 2 * zeta2 / (m * (m - 1)), 4 * (m - 2) * zeta1 / (m * (m - 1))


def _interval(value: float, degenerate: float, linear: float) -> tuple[float, float, float]:
    """(standard error, low, high) of KID's 95 % interval from its variance parts
    (``_variance_parts``: the ζ2 part ``degenerate`` and the ζ1 part ``linear``).

    The standard error is √(ζ2 part + ζ1 part clipped at 0), the variance at ``value``.
    At KID = 0 (fresh images) the U-statistic is degenerate: ζ1 = 0 and the variance is the ζ2
    part alone, but ζ1's estimate is noise as large as the whole variance that rises and falls
    with KID (correlation 0.9 on real features). Counted unclipped, the draws with the lowest
    KID got the shortest intervals (coverage 0.80-0.83); clipped at 0 on both sides (as the
    standard error is), the interval covered 0.99-1.00 at KID = 0. The two arms differ:

    - high: value + 1.96 se, ζ1 clipped at 0 as before: a set slightly off the data is
      degenerate no more, and its low draws need the ζ1 part to reach the mean.
    - low, while KID is not significantly above 0 (value ≤ 1.96 √(ζ2 part), the degenerate
      null's z-test): value - 1.96 √(ζ2 part); fresh images' high draws are then missed as
      often as a 95 % interval should.
    - low, once KID is significantly above 0: the ζ1 part is taken to grow in proportion to
      KID (ζ1 is the variance of the witness function, whose squared norm is KID), and the
      interval is Wilson-like, the δ with (value - δ)² ≤ 1.96² (ζ2 part + ζ1 part · δ / value),
      so longer above than below; its low end meets the other branch's (0) at the threshold.

    Over 300 fresh draws of real Fashion-MNIST features and 250 of ReLU Gaussians (see
    docs/evaluation.md): coverage 0.95-0.96 at KID = 0; a set slightly off (KID 1-2 sd above
    0) 0.85-0.93, where the clipped form gave 0.89-0.95 and the ζ2 part alone below the
    threshold 0.75-0.89; far off 0.87-0.98, as the clipped form."""
    degenerate = max(degenerate, 0.0)
    se = math.sqrt(degenerate + max(linear, 0.0))
    if not (linear > 0.0 and value > Z95 * math.sqrt(degenerate)):  # also NaN
        return se, value - Z95 * math.sqrt(degenerate), value + Z95 * se
    k = Z95 * Z95 * linear / value  # (value - δ)² = z² (degenerate + linear δ / value)
    p, q = 2 * value + k, value * value - Z95 * Z95 * degenerate  # δ² - p δ + q = 0, q > 0
    root = math.sqrt(k * k + 4 * Z95 * Z95 * (degenerate + linear))  # √(p² - 4q), no cancelling
    return se, 2 * q / (p + root), (p + root) / 2


def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, subsets: int = 100,
                              subset_size: int = 1000, seed: int = 0) -> KID:
    """KID of ``fake`` against the reference ``real``.

    Args:
        real: float (n, d) reference features; fake: float (m, d) sample features.
        subsets, subset_size: the ``kid_std`` subsets (torch-fidelity's 100 of 1,000; fewer
            rows when a side is smaller); 0 subsets: no ``kid_std`` (NaN).
        seed: subset seed (the value and its interval use every row and no randomness).

    Raises:
        InputError: mismatched dimensions, or fewer than 4 rows on a side.
    """
    y, x = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if y.ndim != 2 or x.ndim != 2 or y.shape[1] != x.shape[1]:
        raise InputError(f"KID: feature shapes {y.shape} and {x.shape} do not match")
    m, n = len(x), len(y)
    if min(m, n) < 4:
        raise InputError(f"KID needs at least 4 rows per side (real {n}, generated {m})")
    g = sum(_kernel(x, y[j:j + _BLOCK]).sum(1) for j in range(0, n, _BLOCK)) / n  # (m,)
    # Given the reference, KID = mean_{i != j} h(x_i, x_j) + mean_{j != l} k(y_j, y_l) with
    # h(a, b) = k(a, b) - g(a) - g(b): an order-2 U-statistic in the sample rows.
    a = b = c = 0.0  # Σ h_ij, Σ h_ij², Σ_i (Σ_j h_ij)² over i != j
    for start in range(0, m, _BLOCK):
        h = _kernel(x[start:start + _BLOCK], x)
        h -= g[start:start + _BLOCK, None]
        h -= g[None, :]
        np.fill_diagonal(h[:, start:], 0.0)
        rows = h.sum(1)
        a, b, c = a + float(rows.sum()), b + float((h * h).sum()), c + float(rows @ rows)
    value = a / (m * (m - 1)) + _reference_term(y)
    se, low, high = _interval(value, *_variance_parts(m, a, b, c))
    spread = _subset_std(y, x, subsets, subset_size, seed) if subsets > 0 else math.nan
    return KID(value=float(value), se=se, low=float(low), high=float(high),
               subset_std=spread, n=m)


METRICS = (
    Metric(names.KID, "lower", fresh="≈ 0", headline=True,
           interval="95 % for the all-pairs U-statistic over the sample rows given the "
                    "reference (Hoeffding's variance; the low arm counts ζ1 only once KID is "
                    "significantly above 0, then Wilson-like)"),
    Metric(names.KID_STD, "none", interval="none", fresh="—"),
)


def score(j: Judging) -> dict[str, Triple]:
    """KID on every pair, and the anchors' spread over subsets (see METRICS)."""
    kid = kernel_inception_distance(j.real.reference, j.features, j.config.kid_subsets,
                                    j.config.kid_subset_size, j.seed)
    return {names.KID: (kid.value, kid.low, kid.high),
            names.KID_STD: (kid.subset_std, math.nan, math.nan)}


SCORERS = (score,)
