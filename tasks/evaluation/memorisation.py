"""Does the model create or copy? (lecture program 10-5b, E1, made quantitative and
calibrated on held-out real images.)

All distances are exact mean absolute pixel differences (the lecture's E1 metric) to the
nearest image of the generator's training set (after its class filter).

- **copy threshold**: the 1st percentile of held-out-to-train NN1 distances (the *baseline*
  half of the held-out images). ``copy_rate`` is the share of a set below it: about 0.01 for
  real held-out images by construction, far above for a model that copies.
- **C_T** (Meehan, Chaudhuri & Dasgupta 2020): the feature space is cut into cells (k-means
  on reference features); in each cell a Mann-Whitney U test compares the set's NN1 distances
  with the baseline's, as a z-score; C_T is their average weighted by the baseline's share of
  each cell, over cells holding enough of both. 0 for fresh real images; C_T << 0 means the
  set sits closer to the training images than fresh data does (data copying); >> 0 means
  farther (under-fitting).
- **authenticity** (Alaa et al. 2022): the share of the set that is farther from its nearest
  training image than that image is from its own nearest other training image.
- **memorisation gap** (the generalisation gap of Jiralerspong et al.'s FLD, 2023, with a
  nearest-neighbour density): how much closer the set comes to images the generator trained
  on than to images it never saw. Query rows of both kinds (reference features, which are
  training images the extractor never saw, and held-out baseline features) each get their
  Euclidean feature distance to the nearest row of the set; the gap is the mean log distance
  of the held-out queries minus that of the training queries. 0 for fresh real images (both
  kinds of query are fresh to them), > 0 when the set sits on training images.
"""

from __future__ import annotations

import math

import numpy as np

from genflow.core.errors import InputError
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import intervals
from genflow.tasks.evaluation.entries import Judging, Metric, Triple

COPY_QUANTILE = 0.01
_BLOCK = 2048
MIN_CELL = 5  # rows of each side a cell needs to count in C_T


def check_distances(d: np.ndarray, name: str) -> np.ndarray:
    d = np.asarray(d, np.float64)
    if d.ndim != 1 or len(d) == 0 or not np.isfinite(d).all():
        raise InputError(f"{name}: need finite NN1 distances (n >= 1,), got shape {d.shape}")
    return d


def copy_threshold(baseline_nn1: np.ndarray, quantile: float = COPY_QUANTILE) -> float:
    """The calibrated copy distance: a low quantile of held-out-to-train NN1 distances."""
    return float(np.quantile(check_distances(baseline_nn1, "baseline"), quantile))


def data_copying_ct(nn1: np.ndarray, cells_of: np.ndarray, baseline_nn1: np.ndarray,
                    baseline_cells: np.ndarray, k: int) -> float:
    """Meehan et al.'s C_T of a set against the held-out baseline (see the module doc).

    Args:
        nn1, cells_of: the set's NN1 distances and cells, (n,) each.
        baseline_nn1, baseline_cells: the same for held-out real images, (m,) each.
        k: number of cells.

    Returns:
        The weighted mean z-score, or NaN when no cell holds MIN_CELL rows of both sides.
    """
    nn1, base = check_distances(nn1, "set"), check_distances(baseline_nn1, "baseline")
    weights, scores = [], []
    for c in range(k):
        a, b = nn1[cells_of == c], base[baseline_cells == c]
        if len(a) < MIN_CELL or len(b) < MIN_CELL:
            continue
        b = np.sort(b)
        # Mann-Whitney U of a against b: pairs with a > b, ties counting one half
        u = float((np.searchsorted(b, a, "left") + np.searchsorted(b, a, "right")).sum()) / 2
        n1, n2 = len(a), len(b)
        z = (u - n1 * n2 / 2) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
        weights.append(len(b) / len(base))
        scores.append(z)
    if not weights:
        return math.nan
    w = np.asarray(weights)
    return float((w * np.asarray(scores)).sum() / w.sum())


def data_copying_ct_interval(nn1: np.ndarray, cells_of: np.ndarray, baseline_nn1: np.ndarray,
                             baseline_cells: np.ndarray, k: int, resamples: int, seed: int
                             ) -> tuple[float, float, float]:
    """(C_T, low, high): the value ± 1.96 bootstrap standard errors, each replicate resampling
    the set's rows *and* the baseline's. C_T compares the set with one draw of held-out
    images, so that draw is part of its error, as it is of the Mann-Whitney z-scores; holding
    the baseline fixed covered the across-draw mean in 80 % of simulated draws with 0.66 × the
    width (both resampled: 92–96 %, 0.93–0.97 ×; tests/evaluation/test_metrics.py)."""
    value = data_copying_ct(nn1, cells_of, baseline_nn1, baseline_cells, k)
    if not np.isfinite(value):
        return value, math.nan, math.nan
    nn1, cells_of = np.asarray(nn1), np.asarray(cells_of)
    base, base_cells = np.asarray(baseline_nn1), np.asarray(baseline_cells)
    draws = np.random.default_rng([seed, 17])

    def replicate(rows: np.ndarray) -> float:
        b = draws.integers(0, len(base), len(base))
        return data_copying_ct(nn1[rows], cells_of[rows], base[b], base_cells[b], k)

    return (value, *intervals.bootstrap(value, replicate, len(nn1), resamples, seed))


def authentic(nn1: np.ndarray, train_gap: np.ndarray) -> np.ndarray:
    """bool (n,): farther from the nearest training image than that image is from its own
    nearest other training image (``train_gap``, aligned with ``nn1``)."""
    return check_distances(nn1, "set") > np.asarray(train_gap, np.float64)


def nearest_other_distance(idx: np.ndarray, dist: np.ndarray, own: np.ndarray) -> np.ndarray:
    """float64 (n,): from k >= 2 neighbours of training images ``own`` (n,) among the training
    set itself, the distance to the nearest one that is not the image itself."""
    first_is_self = idx[:, 0] == own
    return np.where(first_is_self, dist[:, 1], dist[:, 0])


def nearest_euclidean(queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """float64 (q,): each query's Euclidean distance to its nearest row of ``rows``.

    Args:
        queries: float (q, d); rows: float (n, d), n >= 1 (feature vectors).
    """
    q, r = np.asarray(queries, np.float64), np.asarray(rows, np.float64)
    r2 = (r * r).sum(1)
    out = np.empty(len(q))
    for start in range(0, len(q), _BLOCK):
        b = q[start:start + _BLOCK]
        d2 = (b * b).sum(1)[:, None] + r2[None, :] - 2.0 * b @ r.T
        out[start:start + _BLOCK] = np.sqrt(np.maximum(d2.min(1), 0.0))
    return out


def memorisation_gap(features: np.ndarray, train_queries: np.ndarray,
                     heldout_queries: np.ndarray) -> tuple[float, float, float]:
    """(gap, low, high): the train-vs-held-out gap of a set (see the module doc) and its 95 %
    interval.

    Args:
        features: the judged set's features, float (n, d).
        train_queries: features of training images the generator saw, float (t, d).
        heldout_queries: features of held-out images it never saw, float (h, d); t, h >= 2.

    Returns:
        mean log distance of the held-out queries to the set minus that of the training
        queries, ± 1.96 Welch standard errors. The queries are independent draws given the
        set, and for a set that does not depend on the training images the gap's mean is 0
        given any set, so this standard error is also the unconditional one: the interval
        counts the queries' own draw (checked over redrawn queries by bench/intervals.py and
        tests/evaluation/test_metrics.py). Distances are floored at 1e-3 × the held-out
        queries' median, so exact copies (distance 0) keep the mean finite.
    """
    d_train = nearest_euclidean(train_queries, features)
    d_held = nearest_euclidean(heldout_queries, features)
    if len(d_train) < 2 or len(d_held) < 2:
        raise InputError(f"memorisation gap: need >= 2 queries a side, got {len(d_train)} "
                         f"training and {len(d_held)} held-out")
    floor = 1e-3 * max(float(np.median(d_held)), 1e-12)
    a = np.log(np.maximum(d_held, floor))
    b = np.log(np.maximum(d_train, floor))
    gap = float(a.mean() - b.mean())
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return gap, gap - intervals.Z95 * se, gap + intervals.Z95 * se


_SHARE_BEYOND = ("Wilson's at the size whose binomial variance is the total: the set's and the "
                 "baseline quantile threshold's own noise (intervals.beyond_quantile)")
METRICS = (
    Metric(names.COPY_RATE, "lower", _SHARE_BEYOND, "≈ 0.01", headline=True, trend=True),
    Metric(names.DUPLICATE_RATE, "lower", "Wilson score interval of the share", "0"),
    Metric(names.NN1_MEDIAN, "none", "bootstrap: ± 1.96 standard errors over resamples of the "
           "judged rows", "the floor"),
    Metric(names.CLOSER_THAN_TEST, "lower", _SHARE_BEYOND, "≈ 0.05"),
    Metric(names.DATA_COPYING, "none", "bootstrap resampling the judged rows and the baseline's "
           "rows in each replicate (counts the baseline's draw)", "≈ 0"),
    Metric(names.MEMORISATION_GAP, "zero", "± 1.96 Welch standard errors (counts the queries' "
           "draw)", "≈ 0", headline=True, trend=True),
    Metric(names.AUTHENTICITY, "higher", "Wilson score interval of the share",
           "the floor (≈ 0.7 on Fashion-MNIST)"),
    Metric(names.COPY_THRESHOLD, "none", "none", "", size="fixed"),
)


def score_copies(j: Judging) -> dict[str, Triple]:
    """Distances to the nearest training image against the baseline's (see METRICS)."""
    d_base = j.rod.d_base
    median = float(np.median(j.nn1))
    return {
        names.COPY_RATE: intervals.beyond_quantile(j.nn1, d_base, COPY_QUANTILE, True),
        names.DUPLICATE_RATE: intervals.share(j.nn1 == 0),
        names.NN1_MEDIAN: (median, *intervals.bootstrap(
            median, lambda rows, d=j.nn1: float(np.median(d[rows])), len(j.nn1),
            j.config.bootstrap, j.seed, lo=0.0)),
        names.CLOSER_THAN_TEST: intervals.beyond_quantile(j.nn1, d_base, 0.05, True),
    }


def score_training(j: Judging) -> dict[str, Triple]:
    """C_T, the train-vs-held-out gap and authenticity (see the module doc)."""
    rod, config = j.rod, j.config
    out = {names.DATA_COPYING: data_copying_ct_interval(
        j.nn1, rod.cells.assign(j.features), rod.d_base, rod.base_cells, config.cells,
        config.bootstrap, j.seed)}
    if len(j.real.reference) >= 2 and len(rod.gap_heldout) >= 2:
        out[names.MEMORISATION_GAP] = memorisation_gap(j.features, j.real.reference,
                                                       rod.gap_heldout)
    if len(j.real.train) > 1:
        out[names.AUTHENTICITY] = intervals.share(
            authentic(j.nn1, j.real.train_gaps(j.nn_index)))
    return out


SCORERS = (score_copies, score_training)
