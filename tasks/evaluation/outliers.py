"""Two shares that separate diversity from fidelity, in cosine distance of the features.

Corruption (noise, blur) shrinks and shifts the domain classifier's activations, so Euclidean
feature distances mix "all alike" with "all degraded": blurred Fashion-MNIST images sit as
close to each other as a collapsed set does. The direction of a feature vector carries what
the classifier sees, and cosine distances keep the two apart (on the calibration controls:
docs/evaluation.md).

- ``near_duplicate_share`` (diversity alone): the share of images whose nearest *other* image
  of the same set is closer than the 1st percentile of the same distance among held-out real
  images of the same size (the baseline). Fresh real images: ≈ 0.01; one image repeated: 1.
- ``far_from_real_share`` (fidelity alone): the share of images farther from every reference
  image than 95 % of held-out real images are (the baseline's 95th percentile). Fresh real
  images: ≈ 0.05; heavy noise or blur: most of the set.
"""

from __future__ import annotations

import numpy as np

from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import intervals
from genflow.tasks.evaluation.entries import Judging, Metric, Triple
from genflow.tasks.evaluation.prdc import subsample

DUPLICATE_QUANTILE = 0.01
FAR_QUANTILE = 0.95
_BLOCK = 2048


def _unit(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, np.float64)
    return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)


def nearest_other_cosine(features: np.ndarray) -> np.ndarray:
    """float64 (n,): each row's cosine distance (1 - cos) to its nearest other row of
    ``features`` (float (n, d), n >= 2)."""
    return nearest_other_cosine_index(features)[0]


def nearest_other_cosine_index(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float64 (n,) distances, int64 (n,) rows): each row's nearest other row of
    ``features`` (float (n, d), n >= 2) in cosine distance, and which row it is."""
    u = _unit(features)
    out, which = np.empty(len(u)), np.empty(len(u), np.int64)
    for start in range(0, len(u), _BLOCK):
        s = u[start:start + _BLOCK] @ u.T
        np.fill_diagonal(s[:, start:], -np.inf)
        which[start:start + _BLOCK] = s.argmax(1)
        out[start:start + _BLOCK] = 1.0 - s.max(1)
    return out, which


def pairing_design_effect(flagged: np.ndarray, nearest: np.ndarray) -> float:
    """1 + the share of flagged rows whose nearest other row is flagged and has them as its
    nearest: each such mutual pair is one chance event counted twice, doubling its variance.

    Args:
        flagged: bool (n,); nearest: int64 (n,) each row's nearest other row.
    """
    flagged = np.asarray(flagged, bool)
    if not flagged.any():
        return 1.0
    rows = np.flatnonzero(flagged)
    mutual = flagged[nearest[rows]] & (nearest[nearest[rows]] == rows)
    return 1.0 + float(mutual.mean())


def nearest_cosine(features: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """float64 (n,): each row's cosine distance to its nearest row of ``reference`` (r, d)."""
    u, r = _unit(features), _unit(reference)
    out = np.empty(len(u))
    for start in range(0, len(u), _BLOCK):
        out[start:start + _BLOCK] = 1.0 - (u[start:start + _BLOCK] @ r.T).max(1)
    return out


def thresholds(baseline: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(near-duplicate distance, far-from-real distance) of held-out real features."""
    return (float(np.quantile(nearest_other_cosine(baseline), DUPLICATE_QUANTILE)),
            float(np.quantile(nearest_cosine(baseline, reference), FAR_QUANTILE)))


_THRESHOLD_NOISE = ("Wilson's at the size whose binomial variance is the total: the set's, the "
                    "baseline quantile threshold's own noise (intervals.beyond_quantile)")
METRICS = (
    Metric(names.NEAR_DUPLICATE_SHARE, "lower", _THRESHOLD_NOISE + ", and mutual pairs' design "
           "effect", "≈ 0.01", size="judged"),
    Metric(names.FAR_FROM_REAL_SHARE, "lower", _THRESHOLD_NOISE, "≈ 0.05", size="judged"),
)


def score(j: Judging) -> dict[str, Triple]:
    """Diversity alone and fidelity alone, in cosine feature distance (see the module doc)."""
    rod = j.rod
    judged = subsample(j.features, j.config.prdc_max, j.seed)
    near, nearest = nearest_other_cosine_index(judged)
    flagged = near < np.quantile(rod.base_near, DUPLICATE_QUANTILE)
    # A near-duplicate is flagged with its partner: the pairing inflates the count's variance
    # (the set's own, or the baseline's when none is flagged).
    pairing = pairing_design_effect(flagged, nearest) if flagged.any() else rod.base_near_pairing
    return {
        names.NEAR_DUPLICATE_SHARE: intervals.beyond_quantile(near, rod.base_near,
                                                              DUPLICATE_QUANTILE, True, pairing),
        names.FAR_FROM_REAL_SHARE: intervals.beyond_quantile(
            nearest_cosine(judged, rod.pool), rod.base_far, FAR_QUANTILE, False),
    }


SCORERS = (score,)
