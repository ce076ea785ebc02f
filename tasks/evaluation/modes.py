"""What the domain classifier says about samples: mode coverage and a classifier score (the
Inception Score computed with the dataset's own classifier)."""

from __future__ import annotations

import numpy as np

from genflow.core.errors import InputError


def _check_probs(probs: np.ndarray) -> np.ndarray:
    p = np.asarray(probs, np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise InputError(f"class probabilities must be (n >= 1, classes), got {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any() or not np.allclose(p.sum(1), 1.0, atol=1e-4):
        raise InputError("class probabilities must be finite, non-negative rows summing to 1")
    return p


def mode_coverage(probs: np.ndarray) -> dict[str, float | list[int]]:
    """Histogram of predicted classes, its entropy and the classes never predicted.

    Args:
        probs: float (n, C) class probabilities per sample.

    Returns:
        {"histogram": counts per class (list of int), "entropy_bits": entropy of the
        predicted-class distribution (log2 C = uniform), "classes_missing": number of classes
        with no sample, "missing": those classes}.
    """
    p = _check_probs(probs)
    counts = np.bincount(p.argmax(1), minlength=p.shape[1])
    share = counts / counts.sum()
    nz = share[share > 0]
    missing = [int(c) for c in np.flatnonzero(counts == 0)]
    return {"histogram": [int(c) for c in counts], "entropy_bits": float(-(nz * np.log2(nz)).sum()) + 0.0,
            "classes_missing": float(len(missing)), "missing": missing}


def classifier_score(probs: np.ndarray, splits: int = 10, seed: int | None = 0
                     ) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))) averaged over ``splits`` (mean, population std of the split
    scores): 1 = no confident or no diverse predictions, C = confident and uniform over C
    classes. Rows are shuffled with ``seed`` first (None: kept in order), so a set stored
    sorted by class is not split into single-class chunks."""
    p = _check_probs(probs)
    if seed is not None:
        p = p[np.random.default_rng(seed).permutation(len(p))]
    if len(p) < splits:
        raise InputError(f"classifier score: {len(p)} samples is fewer than {splits} splits")
    eps = 1e-12
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(0, keepdims=True)
        kl = (part * (np.log(part + eps) - np.log(marginal + eps))).sum(1).mean()
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))
