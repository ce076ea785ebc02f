"""All sample metrics of one image set, each with N, a 95 % interval and its real-data floor
(held-out real images judged exactly like the samples, at the same N, with the same extractor
and reference). Which real images play which part: tasks.evaluation.splits.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field

import numpy as np

from genflow.core.errors import InputError
from genflow.core.kmeans import kmeans_cells
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import metrics, outliers, power
from genflow.tasks.evaluation.config import EvalConfig
from genflow.tasks.evaluation.entries import Judging, Triple
from genflow.tasks.evaluation.extractors import Extractor
from genflow.tasks.evaluation.images import checked
from genflow.tasks.evaluation.memorisation import copy_threshold, nearest_other_distance
from genflow.tasks.evaluation.neighbours import NeighbourIndex
from genflow.tasks.evaluation.prdc import subsample
from genflow.tasks.evaluation.splits import draw, heldout_halves
from genflow.tasks.evaluation.verdict import verdict

log = logging.getLogger(__name__)
MIN_N = 10


@dataclass
class MetricRow:
    """One number: ``value`` over ``n`` rows with its 95 % interval [low, high]; ``floor`` is
    the same metric of held-out real images at the same N, with its own interval. Fields that
    do not apply are None."""

    metric: str
    value: float
    n: int
    extractor: str
    floor: float | None = None
    low: float | None = None
    high: float | None = None
    floor_low: float | None = None
    floor_high: float | None = None


@dataclass
class RealSets:
    """The real side of an evaluation (splits.py says which images are which).

    Attributes:
        train: the generator's training images, float32 (m, 28, 28, 1) in [0, 1], class
            filtered; ``index`` searches them.
        heldout: the test split's images, float32 (h, 28, 28, 1) in [0, 1], class filtered.
        reference: features of the reference part, float64 (r, d) (cached upstream).
        reference_stats: (mu (d,), sigma (d, d)) of ``reference``.
    """

    train: np.ndarray
    heldout: np.ndarray
    reference: np.ndarray
    reference_stats: tuple[np.ndarray, np.ndarray]
    index: NeighbourIndex
    key: str = ""  # content digest of train + heldout: answers about them are memoised
    heldout_labels: np.ndarray | None = None  # uint8 (h,) labels of ``heldout`` (power.py)

    def search(self, name: str, images: np.ndarray, k: int, seed: int
               ) -> tuple[np.ndarray, np.ndarray]:
        """``index.search`` of held-out images, remembered per (key, name, size, seed) on the
        index, so every model of a run pays for the floor and baseline searches once."""
        if not self.key:
            return self.index.search(images, k)
        memo_key = (self.key, name, len(images), k, seed)
        found = self.index.memo.get(memo_key)
        if found is None:
            found = self.index.memo[memo_key] = self.index.search(images, k)
        return found  # type: ignore[return-value]

    def train_gaps(self, rows: np.ndarray) -> np.ndarray:
        """float64 (len(rows),): each training image's distance to its nearest other training
        image (memoised per training image on the index)."""
        gaps: dict[int, float] = self.index.memo.setdefault("train_gap", {})  # type: ignore[assignment]
        todo = np.array(sorted({int(j) for j in rows} - gaps.keys()), np.int64)
        if len(todo):
            idx, dist = self.index.search(self.train[todo], 2)
            gaps.update(zip(todo.tolist(), nearest_other_distance(idx, dist, todo).tolist(),
                            strict=True))
        return np.array([gaps[int(j)] for j in rows], np.float64)


@dataclass
class EvalResult:
    rows: list[MetricRow]
    nn_index: np.ndarray            # int64 (s,): nearest training image (mae) of every sample
    nn_distance: np.ndarray         # float64 (s,)
    predicted: np.ndarray | None    # int64 (s,) predicted class, domain extractor only
    copies: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # bool (s,)
    verdict: list[str] = field(default_factory=list)
    seed: int = 0


def check_samples(samples: np.ndarray, name: str = "samples") -> np.ndarray:
    """uint8 (n, 28, 28, 1) or float [0, 1] images -> float32 [0, 1]; InputError otherwise."""
    return checked(name, samples)


@dataclass
class _Yardstick:
    """What every image set of one size is judged against: the held-out floor side and its
    metrics, and the baseline's thresholds. Independent of the samples, so it is computed once
    per (real sets, extractor, config, N, classes) and remembered on the index."""

    pool: np.ndarray          # float64 (p, d) reference features subsampled for PRDC/C2ST
    cells: object             # k-means cells of the pool (core/kmeans.py)
    base_cells: np.ndarray    # int64 (n,) cell of each baseline image
    d_base: np.ndarray        # float64 (n,) baseline images' mae to their nearest training image
    threshold: float          # copy threshold (mae)
    base_near: np.ndarray     # float64 (b,) baseline's cosine distance to its nearest other row
    base_near_pairing: float  # the baseline's near-duplicate design effect (outliers.py)
    base_far: np.ndarray      # float64 (b,) baseline's cosine distance to the reference pool
    gap_heldout: np.ndarray   # float64 (h, d) memorisation-gap held-out queries: every baseline row
    floor: dict = field(default_factory=dict)  # metric -> (value, low, high) of the floor
    power: dict | None = None  # control -> 1.0 detected at this N (power.py), once computed


def _yardstick(real: RealSets, extractor: Extractor, config: EvalConfig, n: int,
               single_class: bool, classes: list[int] | None) -> _Yardstick:
    seed = config.seed
    # The reference's content stands for the extractor too: its features come from it.
    sketch = hashlib.blake2b(np.ascontiguousarray(real.reference[::97]).tobytes(),
                             digest_size=12).hexdigest()
    memo_key = ("yardstick", real.key, extractor.name, real.reference.shape, sketch,
                config.model_dump_json(), n, single_class,
                None if classes is None else tuple(classes))
    if real.key and memo_key in real.index.memo:
        return real.index.memo[memo_key]  # type: ignore[return-value]
    baseline_rows, floor_rows = heldout_halves(len(real.heldout), seed)
    floor = real.heldout[floor_rows[:n]]
    baseline = real.heldout[baseline_rows[:n]]
    f_floor, p_floor = extractor.features(floor)
    # the memorisation gap queries every baseline row (and every reference row: real.reference)
    f_base_all, _ = extractor.features(real.heldout[baseline_rows])
    f_base = f_base_all[:n]
    nn_floor, d_floor = real.search("floor", floor, 2, seed)
    _, d_base = real.search("baseline", baseline, 1, seed)
    pool = subsample(real.reference, config.prdc_max, seed)
    cells = kmeans_cells(pool, config.cells, seed)
    judged_base = subsample(f_base, config.prdc_max, seed)
    base_near, base_nearest = outliers.nearest_other_cosine_index(judged_base)
    pairing = outliers.pairing_design_effect(
        base_near < np.quantile(base_near, outliers.DUPLICATE_QUANTILE), base_nearest)
    rod = _Yardstick(pool=pool, cells=cells, base_cells=cells.assign(f_base), d_base=d_base[:, 0],
                     threshold=copy_threshold(d_base[:, 0]), base_near=base_near,
                     base_near_pairing=pairing,
                     base_far=outliers.nearest_cosine(judged_base, pool),
                     gap_heldout=np.asarray(f_base_all, np.float64))
    rod.floor = _side_rows(f_floor, p_floor, d_floor[:, 0], nn_floor[:, 0], rod, real, config,
                           single_class, classes)
    if real.key:
        real.index.memo[memo_key] = rod
    return rod


def _side_rows(features: np.ndarray, probs: np.ndarray | None, nn1: np.ndarray,
               nn_index: np.ndarray, rod: _Yardstick, real: RealSets, config: EvalConfig,
               single_class: bool, classes: list[int] | None) -> dict[str, Triple]:
    """metric -> (value, low, high) of one judged set (the samples or the floor): every
    registered scorer in turn (metrics.py)."""
    judging = Judging(features, probs, nn1, nn_index, rod, real, config, single_class, classes)
    out: dict[str, Triple] = {}
    for scorer in metrics.scorers():
        found = scorer(judging)
        unknown = [name for name in found if not metrics.known(name)]
        if unknown:
            raise AssertionError(f"{scorer.__module__}.{scorer.__name__} wrote unregistered "
                                 f"metrics {unknown}")
        out.update(found)
    return out


def evaluate(samples: np.ndarray, real: RealSets, extractor: Extractor, config: EvalConfig,
             single_class: bool, classes: list[int] | None = None) -> EvalResult:
    """Compute every metric of ``samples`` beside the floor.

    Args:
        samples: generated (or any) images, uint8 (s, 28, 28, 1) or float [0, 1].
        real: the real sets (splits.py) and the index over the training images.
        extractor: loaded feature extractor.
        single_class: the model learned one class: class-spread metrics do not apply.
        classes: the classes the model learned (None: all), for ``in_class_share``.
    """
    seed = config.seed
    x_all = check_samples(samples)
    _, floor_rows = heldout_halves(len(real.heldout), seed)
    n = min(len(x_all), len(floor_rows), config.max_n)
    if n < MIN_N:
        raise InputError(f"need at least {MIN_N} images on each side (samples {len(x_all)}, "
                         f"held-out floor images {len(floor_rows)})")
    if n < len(x_all):
        log.info("judging a seeded draw of %d of %d samples (held-out floor images: %d)", n,
                 len(x_all), len(floor_rows))
    rows_x = np.sort(draw(len(x_all), n, seed))
    if real.reference.shape[1] != extractor.dim:
        raise InputError(f"the extractor gives {extractor.dim} features, the cached reference "
                         f"{real.reference.shape[1]}")
    f_all, p_all = extractor.features(x_all)
    nn_all, d_all = real.index.search(x_all, 2)  # exact mae neighbours in the training images
    rod = _yardstick(real, extractor, config, n, single_class, classes)
    results = {"x": _side_rows(f_all[rows_x], None if p_all is None else p_all[rows_x],
                               d_all[rows_x, 0], nn_all[rows_x, 0], rod, real, config,
                               single_class, classes),
               "floor": rod.floor}
    name_x = extractor.name
    rows: list[MetricRow] = []
    for metric, (value, low, high) in results["x"].items():
        if not np.isfinite(value):  # e.g. FD∞ or C_T when the set is too small to fit
            continue
        f_value, f_low, f_high = results["floor"].get(metric, (math.nan,) * 3)
        size = metrics.entry(metric).n_of(n, config.prdc_max, len(rod.pool))
        rows.append(MetricRow(metric, float(value), size, name_x,
                              _opt(f_value), _opt(low), _opt(high), _opt(f_low), _opt(f_high)))
    rows.append(MetricRow(names.COPY_THRESHOLD, rod.threshold, len(rod.d_base), name_x))
    if config.power and extractor.name == "domain":  # Inception: 10 N more passes on a CPU
        if rod.power is None:
            baseline_rows, _ = heldout_halves(len(real.heldout), seed)
            labels = None if real.heldout_labels is None else real.heldout_labels[baseline_rows]
            rod.power = power.detections(real.heldout[baseline_rows], labels, n, rod, real,
                                         extractor, config, single_class, classes)
        rows += [MetricRow(names.DETECTS_PREFIX + c, hit, n, name_x) for c, hit in rod.power.items()]
    copies = (d_all[:, 0] < rod.threshold) | (d_all[:, 0] == 0)
    predicted = None if p_all is None else p_all.argmax(1).astype(np.int64)
    return EvalResult(rows=rows, nn_index=nn_all[:, 0], nn_distance=d_all[:, 0],
                      predicted=predicted, copies=copies, verdict=verdict(rows), seed=seed)


def _opt(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)
