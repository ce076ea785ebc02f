"""95 % intervals, one rule per kind of statistic (docs/evaluation.md lists which metric uses
which):

- ``bootstrap``: the statistic recomputed on ``resamples`` seeded resamples (with replacement)
  of the sample rows, the reference held fixed; interval = value ± 1.96 bootstrap standard
  errors, clipped to the metric's range. Conditional on the reference set, which samples and
  floor share.
- ``blocks``: a mean of independent estimates (disjoint blocks): value ± t(0.975, B-1) · s/√B.
- ``proportion``: a share of n rows: Wilson's score interval.
- ``beyond_quantile``: a share of rows beyond a threshold that is itself a quantile of a
  finite baseline (copy, near-duplicate, far-from-real shares): Wilson's interval at the
  effective size left by the set's binomial noise, its pairing (``design_effect``) and the
  threshold's own noise, each added as a variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import scipy.stats

Z95 = 1.959963984540054


def clip(low: float, high: float, lo: float = -math.inf, hi: float = math.inf
         ) -> tuple[float, float]:
    return max(low, lo), min(high, hi)


def bootstrap(value: float, stat: Callable[[np.ndarray], float], n: int, resamples: int,
              seed: int, lo: float = -math.inf, hi: float = math.inf) -> tuple[float, float]:
    """value ± 1.96 · sd of ``stat(rows)`` over seeded resamples of ``n`` row indices.

    Args:
        value: the statistic on all rows.
        stat: maps int64 (n,) row indices (with repeats) to a float.
        n: rows; resamples: bootstrap replicates (>= 2); seed: their RNG seed.
        lo, hi: the metric's range.
    """
    se = bootstrap_se(stat, n, resamples, seed)
    if not np.isfinite(se):
        return math.nan, math.nan
    return clip(value - Z95 * se, value + Z95 * se, lo, hi)


def bootstrap_se(stat: Callable[[np.ndarray], float], n: int, resamples: int, seed: int
                 ) -> float:
    """The bootstrap standard error of ``stat`` (NaN with fewer than 2 resamples or rows)."""
    if resamples < 2 or n < 2:
        return math.nan
    rng = np.random.default_rng(seed)
    return float(np.std([stat(rng.integers(0, n, n)) for _ in range(resamples)], ddof=1))


def blocks(estimates: np.ndarray) -> tuple[float, float, float, float]:
    """(mean, standard error, low, high) of independent block estimates (t interval)."""
    e = np.asarray(estimates, np.float64)
    mean = float(e.mean())
    if len(e) < 2:
        return mean, math.nan, math.nan, math.nan
    se = float(e.std(ddof=1) / math.sqrt(len(e)))
    half = float(scipy.stats.t.ppf(0.975, len(e) - 1)) * se
    return mean, se, mean - half, mean + half


def proportion(successes: float, n: float) -> tuple[float, float]:
    """Wilson score 95 % interval of a share ``successes / n``."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def share(flags: np.ndarray) -> tuple[float, float, float]:
    """(share, low, high) of a bool (n,) array: its mean with Wilson's interval."""
    flags = np.asarray(flags, bool)
    return (float(flags.mean()), *proportion(float(flags.sum()), len(flags)))


def bootstrap_many(values: dict[str, float], stat: Callable[[np.ndarray], dict[str, float]],
                   n: int, resamples: int, seed: int,
                   ranges: dict[str, tuple[float, float]] | None = None
                   ) -> dict[str, tuple[float, float]]:
    """``bootstrap`` for several statistics computed together on the same resamples."""
    if resamples < 2 or n < 2:
        return {k: (math.nan, math.nan) for k in values}
    rng = np.random.default_rng(seed)
    reps = [stat(rng.integers(0, n, n)) for _ in range(resamples)]
    out = {}
    for key, value in values.items():
        se = float(np.std([r[key] for r in reps], ddof=1))
        lo, hi = (ranges or {}).get(key, (-math.inf, math.inf))
        out[key] = clip(value - Z95 * se, value + Z95 * se, lo, hi)
    return out


def beyond_quantile(values: np.ndarray, baseline: np.ndarray, q: float, below: bool,
                    design_effect: float = 1.0) -> tuple[float, float, float]:
    """(share, low, high) of ``values`` below (``below``) or above the ``q``-quantile of
    ``baseline`` (strictly), with a 95 % interval.

    The threshold is an order statistic of m baseline rows: its quantile level is uncertain by
    ±1.96·√(q(1-q)/m), and the share is recomputed at both ends of that range; half their gap
    over 1.96 is the threshold's standard error. Its variance adds to the set's binomial one,
    s(1-s)/n times ``design_effect`` (2 when every flagged row is flagged with a partner, as
    mutual nearest neighbours are), and Wilson's interval is taken at the effective size.

    Args:
        values: float (n,) the set's statistic per row (a distance).
        baseline: float (m,) the same statistic of held-out real rows.
        q: the baseline quantile that is the threshold; below: which side is flagged.
        design_effect: variance inflation of the flags' count (>= 1).
    """
    v, b = np.asarray(values, np.float64), np.asarray(baseline, np.float64)
    n, m = len(v), len(b)

    def share(level: float) -> float:
        t = float(np.quantile(b, min(max(level, 0.0), 1.0)))
        return float((v < t).mean() if below else (v > t).mean())

    s = share(q)
    half = Z95 * math.sqrt(q * (1 - q) / m) if m else 0.0
    var_t = ((share(q + half) - share(q - half)) / (2 * Z95)) ** 2
    if 0 < s < 1:
        total = s * (1 - s) / n * max(design_effect, 1.0) + var_t
        n_eff = min(float(n), s * (1 - s) / total)  # the size whose binomial variance is total
        return (s, *proportion(s * n_eff, n_eff))
    n_eff = n / max(design_effect, 1.0)  # a boundary share: widened by the threshold's noise
    low, high = proportion(s * n_eff, n_eff)
    t_half = Z95 * math.sqrt(var_t)
    return s, max(0.0, min(low, s - t_half)), min(1.0, max(high, s + t_half))
