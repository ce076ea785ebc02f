"""Exact k-nearest training neighbours under mean absolute pixel difference ("mae", the
lecture's E1 metric) or Euclidean distance ("l2").

Both searches start from one blocked float32 matrix product, ||q||^2 + ||r||^2 - 2 q.r, which is
fast but rounded. Exactness comes from re-checking in float64 every reference that could beat
the k-th best:
- l2: references whose approximate squared distance is within a rounding bound of the k-th
  smallest are recomputed exactly;
- mae: for pixels in [0, 1], |d| >= d^2, so mae >= squared L2 / D is a lower bound. The k
  nearest by L2 give an exact k-th best mae tau; only references whose lower bound is <= tau
  can do better, and only those are recomputed.
Ties are broken by the lowest reference index. Results equal a float64 brute force.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from genflow.errors import InputError

Metric = Literal["mae", "l2"]
_BLOCK = 512  # queries per block: a 512 x 60,000 float32 distance block is 123 MB
_SEED = 8     # L2-nearest seeds of the mae bound


def _validate(x: np.ndarray, name: str) -> np.ndarray:
    if x.ndim < 2 or len(x) == 0:
        raise InputError(f"{name}: need a non-empty array (n, ...), got shape {x.shape}")
    flat = np.asarray(x).reshape(len(x), -1)
    if not np.issubdtype(flat.dtype, np.floating):
        raise InputError(f"{name}: need float values in [0, 1], got {flat.dtype}")
    if not np.isfinite(flat).all():
        raise InputError(f"{name}: contains NaN or Inf")
    if flat.min() < 0.0 or flat.max() > 1.0:
        raise InputError(f"{name}: values must lie in [0, 1], got [{flat.min():.3g}, {flat.max():.3g}]")
    return flat


def _exact(q: np.ndarray, refs: np.ndarray, metric: Metric) -> np.ndarray:
    """float64 distances from one query (D,) to refs (m, D), computed directly."""
    diff = refs - q
    if metric == "mae":
        return np.abs(diff).mean(axis=1)
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def brute_force(queries: np.ndarray, reference: np.ndarray, k: int = 1,
                metric: Metric = "mae") -> tuple[np.ndarray, np.ndarray]:
    """The reference implementation: every distance in float64 (slow; for tests)."""
    q = _validate(queries, "queries").astype(np.float64)
    r = _validate(reference, "reference").astype(np.float64)
    idx = np.empty((len(q), k), np.int64)
    dist = np.empty((len(q), k), np.float64)
    for i, row in enumerate(q):
        d = _exact(row, r, metric)
        order = np.lexsort((np.arange(len(d)), d))[:k]
        idx[i], dist[i] = order, d[order]
    return idx, dist


def nearest_neighbours(queries: np.ndarray, reference: np.ndarray, k: int = 1,
                       metric: Metric = "mae") -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest reference rows of every query.

    Args:
        queries: float (n, ...) in [0, 1]; flattened to (n, D).
        reference: float (m, ...) in [0, 1] with the same D.
        k: neighbours per query, 1 <= k <= m.
        metric: "mae" (mean absolute difference) or "l2" (Euclidean).

    Returns:
        (indices int64 (n, k), distances float64 (n, k)), nearest first, ties by lowest index.

    Raises:
        InputError: empty inputs, NaN/Inf, values outside [0, 1], mismatched D, bad k/metric.
    """
    if metric not in ("mae", "l2"):
        raise InputError(f"metric {metric!r} must be 'mae' or 'l2'")
    q = _validate(queries, "queries")
    r = _validate(reference, "reference")
    if q.shape[1] != r.shape[1]:
        raise InputError(f"queries have {q.shape[1]} features, reference {r.shape[1]}")
    if not 1 <= k <= len(r):
        raise InputError(f"k={k} must lie between 1 and the {len(r)} reference rows")
    dim = q.shape[1]
    r32 = np.ascontiguousarray(r, np.float32)
    r64 = np.asarray(r, np.float64)
    r_sq = np.einsum("ij,ij->i", r32, r32)
    # float32 rounding of the expansion, bounded generously: a few ulps of the magnitudes.
    slack_ref = 1e-5 * (r_sq.max() + 1.0)
    seeds = min(len(r), max(k, _SEED))
    idx = np.empty((len(q), k), np.int64)
    dist = np.empty((len(q), k), np.float64)
    for start in range(0, len(q), _BLOCK):
        qb = np.ascontiguousarray(q[start:start + _BLOCK], np.float32)
        q_sq = np.einsum("ij,ij->i", qb, qb)
        d2 = q_sq[:, None] + r_sq[None, :] - 2.0 * (qb @ r32.T)
        slack = 1e-5 * (q_sq + 1.0) + slack_ref
        seed_idx = np.argpartition(d2, seeds - 1, axis=1)[:, :seeds]
        for row in range(len(qb)):
            i = start + row
            qi = np.asarray(q[i], np.float64)
            if metric == "l2":
                kth = np.partition(d2[row, seed_idx[row]], k - 1)[k - 1]
                cand = np.flatnonzero(d2[row] <= kth + 2 * slack[row])
            else:
                seed_mae = _exact(qi, r64[seed_idx[row]], "mae")
                tau = np.partition(seed_mae, k - 1)[k - 1]
                cand = np.flatnonzero((d2[row] - slack[row]) / dim <= tau)
            d = _exact(qi, r64[cand], metric)
            order = np.lexsort((cand, d))[:k]
            idx[i], dist[i] = cand[order], d[order]
    return idx, dist
