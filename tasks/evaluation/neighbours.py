"""Exact k-nearest training neighbours under mean absolute pixel difference ("mae", the
lecture's E1 metric) or Euclidean distance ("l2").

Both searches start from one blocked float32 matrix product, ||q||^2 + ||r||^2 - 2 q.r, which is
fast but rounded. Exactness comes from re-checking in float64 every reference that could beat
the k-th best:
- l2: references whose approximate squared distance is within a rounding bound of the k-th
  smallest are recomputed exactly;
- mae: for pixels in [0, 1], |d| >= d^2, so mae >= squared L2 / D is a lower bound. The k
  nearest by L2 give an exact k-th best mae tau; only references whose lower bound is <= tau
  can do better. For 28x28 images tighter bounds follow from block means (7x7, 4x4, 2x2
  blocks: mean |block mean of d| <= mae, the triangle inequality within each block); the
  survivors are scored in float32 and those within a rounding margin of the best recomputed
  exactly.
Ties are broken by the lowest reference index. Results equal a float64 brute force.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np

from genflow.core.errors import InputError

Metric = Literal["mae", "l2"]
_BLOCK = 256  # queries per block: a 256 x 60,000 float32 distance buffer (61 MB), reused
_THREADS = 2
# float32 rounding margins (values in [0, 1]): far above the error of a float32 mean of <= 784
# terms, far below the distance between distinct 8-bit images.
_POOL_MARGIN = 1e-5
_EXACT_MARGIN = 1e-4
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


def _pooled(flat: np.ndarray, size: int) -> np.ndarray | None:
    """float32 (n, 784 / size^2) means of size x size blocks of 28x28 images, else None."""
    if flat.shape[1] != 784:
        return None
    side = 28 // size
    return np.ascontiguousarray(
        flat.reshape(len(flat), side, size, side, size).mean(axis=(2, 4), dtype=np.float32)
        .reshape(len(flat), -1))


def nearest_neighbours(queries: np.ndarray, reference: np.ndarray, k: int = 1,
                       metric: Metric = "mae") -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest reference rows of every query (builds a one-off index; callers that
    query one reference repeatedly keep a ``NeighbourIndex`` instead).

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
    return NeighbourIndex(reference, metric).search(queries, k)


class NeighbourIndex:
    """The reference side of the exact search, built once and queried many times: the
    reference in float32 and float64 views, its squared norms and, for mae on 28x28 images,
    its block-mean pyramid. Building costs about a second for 60,000 images; each query batch
    then pays only for its own rows.

    Args:
        reference: float (m, ...) in [0, 1], m >= 1 (validated once, here).
        metric: "mae" or "l2".
    """

    def __init__(self, reference: np.ndarray, metric: Metric = "mae") -> None:
        if metric not in ("mae", "l2"):
            raise InputError(f"metric {metric!r} must be 'mae' or 'l2'")
        self.metric = metric
        self.r = _validate(reference, "reference")
        self.r32 = np.ascontiguousarray(self.r, np.float32)
        self.r_sq = np.einsum("ij,ij->i", self.r32, self.r32)
        self.slack_ref = 1e-5 * (float(self.r_sq.max()) + 1.0)  # bound on float32 rounding
        self.pooled = ([(s, p) for s in (7, 4, 2) if (p := _pooled(self.r, s)) is not None]
                       if metric == "mae" else [])
        self.memo: dict[object, object] = {}  # callers' answers about this reference

    def __len__(self) -> int:
        return len(self.r)

    def search(self, queries: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Exact k nearest reference rows of every query: (int64 (n, k), float64 (n, k))."""
        q = _validate(queries, "queries")
        if q.shape[1] != self.r.shape[1]:
            raise InputError(f"queries have {q.shape[1]} features, reference {self.r.shape[1]}")
        if not 1 <= k <= len(self.r):
            raise InputError(f"k={k} must lie between 1 and the {len(self.r)} reference rows")
        search = _Search(q, self, k)
        idx = np.empty((len(q), k), np.int64)
        dist = np.empty((len(q), k), np.float64)
        buf = np.empty((min(_BLOCK, len(q)), len(self.r)), np.float32)
        # The candidate checks are many small NumPy calls that release the GIL: two threads
        # keep both cores busy between the (already multi-threaded) matrix products.
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            for start in range(0, len(q), _BLOCK):
                stop = min(start + _BLOCK, len(q))
                d2, q_sq = search.squared_distances(start, stop, buf)
                halves = np.array_split(np.arange(start, stop), _THREADS)
                jobs = [pool.submit(search.rows, rows, start, d2, q_sq, idx, dist)
                        for rows in halves]
                for job in jobs:
                    job.result()
        return idx, dist


class _Search:
    """One query batch against a built index (the queries' own pyramid is made here)."""

    def __init__(self, q: np.ndarray, index: NeighbourIndex, k: int) -> None:
        self.q, self.k, self.metric = q, k, index.metric
        self.r, self.r32, self.r_sq = index.r, index.r32, index.r_sq
        self.slack_ref = index.slack_ref
        self.seeds = min(len(self.r), max(k, _SEED))
        self.pyramid = [(_pooled(q, s), pooled_r) for s, pooled_r in index.pooled]

    def squared_distances(self, start: int, stop: int, buf: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
        """float32 ~||q - r||^2 for queries start:stop against every reference row."""
        qb = np.ascontiguousarray(self.q[start:stop], np.float32)
        d2 = buf[:stop - start]
        np.matmul(qb, self.r32.T, out=d2)
        d2 *= -2.0
        d2 += self.r_sq
        q_sq = np.einsum("ij,ij->i", qb, qb)
        d2 += q_sq[:, None]
        return d2, q_sq

    def rows(self, rows: np.ndarray, start: int, d2: np.ndarray, q_sq: np.ndarray,
             idx: np.ndarray, dist: np.ndarray) -> None:
        k, dim = self.k, self.q.shape[1]
        for i in rows:
            approx = d2[i - start]
            slack = 1e-5 * (float(q_sq[i - start]) + 1.0) + self.slack_ref
            qi = np.asarray(self.q[i], np.float64)
            if self.metric == "l2":
                kth = approx.min() if k == 1 else np.partition(approx, k - 1)[k - 1]
                cand = np.flatnonzero(approx <= kth + 2 * slack)
            else:
                seed = ([int(np.argmin(approx))] if k == 1
                        else np.argpartition(approx, self.seeds - 1)[:self.seeds])
                seed = np.asarray(seed, np.int64)
                tau = np.partition(_exact(qi, np.asarray(self.r[seed], np.float64), "mae"),
                                   k - 1)[k - 1]
                cand = np.flatnonzero(approx <= tau * dim + slack)
                for pooled_q, pooled_r in self.pyramid:
                    diff = pooled_r[cand]
                    diff -= pooled_q[i]
                    cand = cand[np.abs(diff, out=diff).mean(axis=1) <= tau + _POOL_MARGIN]
                if len(cand) > k:  # a float32 pass; float64 only for the near-best
                    diff = self.r32[cand]
                    diff -= self.q[i].astype(np.float32)
                    rough = np.abs(diff, out=diff).mean(axis=1)
                    cand = cand[rough <= np.partition(rough, k - 1)[k - 1] + _EXACT_MARGIN]
            d = _exact(qi, np.asarray(self.r[cand], np.float64), self.metric)
            order = np.lexsort((cand, d))[:k]
            idx[i], dist[i] = cand[order], d[order]


_INDEXES: dict[tuple[str, str], NeighbourIndex] = {}
_KEEP = 2  # a 60,000-image index holds ~380 MB (float32 and the caller's array)


def index_for(key: str, reference: np.ndarray, metric: Metric = "mae") -> NeighbourIndex:
    """The index of ``reference``, built once per ``key`` (a content digest of the reference
    set, e.g. the split's sha256 and class filter) and reused by later calls in this process."""
    found = _INDEXES.get((key, metric))
    if found is None:
        found = NeighbourIndex(reference, metric)
        while len(_INDEXES) >= _KEEP:
            _INDEXES.pop(next(iter(_INDEXES)))
        _INDEXES[(key, metric)] = found
    return found
