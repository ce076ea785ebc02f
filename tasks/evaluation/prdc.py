"""Improved precision/recall (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al.
2020) on feature vectors, with k-nearest-neighbour balls in Euclidean feature space."""

from __future__ import annotations

import math

import numpy as np

from genflow.core.errors import InputError
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import intervals
from genflow.tasks.evaluation.entries import Judging, Metric, Triple


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


def expected_coverage(pool: int, n: int, k: int = 5) -> float:
    """Coverage's expectation when the ``n`` judged rows and the ``pool`` real rows come from one
    distribution (Naeem et al. 2020): a real row's k-NN ball holds no judged row when its k
    nearest among the other pool - 1 real and n judged rows are all real, so
    E = 1 - C(pool - 1, k) / C(pool - 1 + n, k): 0.969 at n = pool = 2,000, 0.67 at n = 500,
    0.12 at n = 50. (Density's expectation is 1 at any sizes.)"""
    miss = 1.0
    for i in range(k):
        miss *= (pool - 1 - i) / (pool - 1 + n - i)
    return 1.0 - miss


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> tuple[float, float]:
    """(density, coverage): for identical distributions density's expectation is 1 and
    coverage's is ``expected_coverage(len(real), len(fake), k)`` (1 - 2^-k at equal sizes)."""
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


def coverage_se(inside: np.ndarray) -> float:
    """Standard error of coverage over draws of the judged rows, the real pool held fixed.

    Args:
        inside: bool (m, n): judged row j lies in real row i's k-NN ball.

    Coverage is the share of the m balls that hold a judged row. The jackknife over the judged
    rows sees leaving row j out uncover the S_j balls it alone covers:
    v_J = (n - 1)/n · Σ_j (S_j - S̄)² / m². It counts each order-k interaction of the rows
    k times (Efron & Stein 1981), and a ball's own are strong: with Poisson(λ) judged rows in
    it, v_J credits it λe^(-λ) where its variance is e^(-λ)(1 - e^(-λ)). The difference
    e^(-λ)(λ - 1 + e^(-λ)) (0 at small λ; 2.6× the variance at coverage 0.97) is subtracted,
    averaged over λ's posterior given the ball's count, under a gamma prior fitted to every
    ball's count (empirical Bayes, Poisson-gamma). Overlaps between balls keep the jackknife's
    count: conservative. It is never less than the balls' own variances summed, Σ E[e^(-λ)
    (1 - e^(-λ))] / m² (overlapping balls covary positively), so a set whose every ball holds
    zero or many rows keeps an interval. On 300 draws of fresh Fashion-MNIST features against
    the 2,000-row pool this gives 1.02-1.06 × the across-draw sd at N = 50-600 and 0.96 at
    2,000, coverage 0.94-0.97; the bootstrap, whose resamples hold ~63 % distinct rows, gave
    0.66-0.68 at N = 50-200.
    """
    inside = np.asarray(inside, bool)
    m, n = inside.shape
    if n < 2 or m < 1:
        return math.nan
    count = inside.sum(axis=1).astype(np.float64)                    # (m,) judged rows per ball
    alone = (inside & (count == 1)[:, None]).sum(axis=0).astype(np.float64)  # (n,) S_j
    v_jack = (n - 1) / n * float(((alone - alone.mean()) ** 2).sum()) / (m * m)
    mean, var = float(count.mean()), float(count.var())
    if var > mean * (1 + 1e-6):  # over-dispersed: gamma prior with this mean and variance
        rate = mean / (var - mean)
        shape, post_rate = mean * rate + count, rate + 1.0         # posterior Gamma(shape, rate)
        e1 = (post_rate / (post_rate + 1)) ** shape                 # E[e^-λ]
        le1 = shape / (post_rate + 1) * e1                          # E[λ e^-λ]
        e2 = (post_rate / (post_rate + 2)) ** shape                 # E[e^-2λ]
    else:  # no spread beyond Poisson: every ball's λ is the mean count
        e1 = np.full(m, math.exp(-mean))
        le1, e2 = mean * e1, e1 * e1
    overcount = float((le1 - e1 + e2).sum()) / (m * m)
    own = float((e1 - e2).sum()) / (m * m)  # the balls' own variances, as if they did not overlap
    return math.sqrt(max(v_jack - overcount, own))


class PRDC:
    """Precision, recall, density and coverage of one generated set against a fixed real set,
    with everything that does not depend on the resample computed once, so that bootstrap
    resamples of the generated rows cost a few milliseconds.

    Args:
        real: float (m, d) real features; fake: float (n, d) generated features.
        k: neighbours of the precision/recall balls; k_dc: of the density/coverage balls.
    """

    _NEAR = 32  # nearest other fakes kept per fake (a resample keeps ~63 % of the rows)

    def __init__(self, real: np.ndarray, fake: np.ndarray, k: int = 3, k_dc: int = 5) -> None:
        real, fake = _check(real, fake, max(k, k_dc))
        self.k, self.k_dc, self.n = k, k_dc, fake.shape[0]
        d_rr = _pairwise(real, real)
        np.fill_diagonal(d_rr, np.inf)
        self.d_rf = _pairwise(real, fake)                                    # (m, n)
        in_k = self.d_rf <= np.partition(d_rr, k - 1, axis=1)[:, k - 1][:, None]
        self.in_dc = (self.d_rf <= np.partition(d_rr, k_dc - 1, axis=1)[:, k_dc - 1][:, None])
        self.precise = in_k.any(axis=0)                                      # (n,)
        self.inside = self.in_dc.sum(axis=0)                                 # (n,)
        self.in_dc_f = self.in_dc.astype(np.float32)
        d_ff = _pairwise(fake, fake)
        np.fill_diagonal(d_ff, np.inf)
        near = min(self._NEAR, self.n - 1)
        order = np.argpartition(d_ff, near - 1, axis=1)[:, :near]
        dist = np.take_along_axis(d_ff, order, axis=1)
        by = np.argsort(dist, axis=1)
        self.near_idx = np.take_along_axis(order, by, axis=1)                 # (n, near)
        self.near_dist = np.take_along_axis(dist, by, axis=1)
        self.d_ff = d_ff

    def values(self, rows: np.ndarray | None = None) -> dict[str, float]:
        """The four metrics on generated rows ``rows`` (all by default; repeats allowed)."""
        rows = np.arange(self.n) if rows is None else rows
        present = np.zeros(self.n, bool)
        present[rows] = True
        distinct = np.flatnonzero(present)
        precision = self.precise[rows].mean()
        density = self.inside[rows].sum() / (self.k_dc * len(rows))
        coverage = (self.in_dc_f @ present.astype(np.float32) > 0).mean()
        # recall: each distinct fake's k-th nearest other distinct fake (repeats would shrink
        # the balls to zero), from its sorted near list; the full row when the list runs out
        kk = min(self.k, len(distinct) - 1)
        hits = present[self.near_idx[distinct]]
        count = hits.cumsum(axis=1)
        found = count[:, -1] >= kk
        pos = (count >= kk).argmax(axis=1)
        radius = self.near_dist[distinct, pos]
        for j in np.flatnonzero(~found):  # rare: fewer than kk of the near list present
            radius[j] = np.partition(self.d_ff[distinct[j], distinct], kk - 1)[kk - 1]
        recall = (self.d_rf[:, distinct] <= radius[None, :]).any(axis=1).mean()
        return {"precision": float(precision), "recall": float(recall),
                "density": float(density), "coverage": float(coverage)}


_BOOTSTRAP = "bootstrap: ± 1.96 standard errors over resamples of the judged rows"
METRICS = (
    Metric(names.PRECISION, "higher", _BOOTSTRAP, "the floor", size="judged", headline=True,
           trend=True),
    Metric(names.RECALL, "higher", _BOOTSTRAP + " (k-NN balls of the distinct rows)",
           "the floor", size="paired", headline=True, trend=True),
    Metric(names.DENSITY, "none", _BOOTSTRAP, "≈ 1 at any size", size="paired"),
    Metric(names.COVERAGE, "higher", "± 1.96 standard errors: the jackknife over the judged "
           "rows less its over-count of each ball's own interactions (coverage_se)",
           "1 − C(P−1, 5)/C(P−1+N, 5) (expected_coverage): 0.97 at N = P = 2,000, 0.67 at 500",
           size="paired", headline=True, trend=True),
)


def score(j: Judging) -> dict[str, Triple]:
    """Precision, recall, density and coverage against the reference pool (see METRICS)."""
    f = subsample(j.features, j.config.prdc_max, j.seed)
    prdc = PRDC(j.rod.pool, f)
    values = prdc.values()
    bounds = {k: (0.0, math.inf if k == "density" else 1.0) for k in values}
    found = intervals.bootstrap_many(values, prdc.values, len(f), j.config.bootstrap, j.seed,
                                     bounds)
    if j.config.bootstrap >= 2:  # coverage: the jackknife, corrected (coverage_se)
        se = coverage_se(prdc.in_dc)
        found["coverage"] = intervals.clip(values["coverage"] - intervals.Z95 * se,
                                           values["coverage"] + intervals.Z95 * se, 0.0, 1.0)
    return {name: (values[key], *found[key]) for key, name in (
        ("precision", names.PRECISION), ("recall", names.RECALL), ("density", names.DENSITY),
        ("coverage", names.COVERAGE))}


SCORERS = (score,)
