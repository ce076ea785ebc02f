"""All sample metrics of one model, each beside its real-data floor (held-out real test images
judged exactly like the samples, at the same N with the same extractor)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from genflow.core.errors import InputError
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation.c2st import classifier_two_sample_test
from genflow.tasks.evaluation.config import EvalConfig
from genflow.tasks.evaluation.extractors import Extractor
from genflow.tasks.evaluation.fid import feature_statistics, frechet_distance
from genflow.tasks.evaluation.kid import kernel_inception_distance
from genflow.tasks.evaluation.memorisation import copy_flags, memorisation_stats
from genflow.tasks.evaluation.modes import classifier_score, mode_coverage
from genflow.tasks.evaluation.neighbours import nearest_neighbours
from genflow.tasks.evaluation.prdc import density_coverage, precision_recall, subsample

log = logging.getLogger(__name__)


@dataclass
class MetricRow:
    """One number: ``value`` over ``n`` samples, with the real-data ``floor`` where it applies."""

    metric: str
    value: float
    n: int
    extractor: str
    floor: float | None = None


@dataclass
class EvalResult:
    rows: list[MetricRow]
    nn_index: np.ndarray            # int64 (n,): nearest training image (mae) of each sample
    nn_distance: np.ndarray         # float64 (n,)
    predicted: np.ndarray | None    # int64 (n,) predicted class, domain extractor only
    copies: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def check_samples(samples: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28, 1) or float [0, 1] samples -> float32 [0, 1]; InputError otherwise."""
    x = np.asarray(samples)
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
        raise InputError(f"samples must be (n, 28, 28, 1), got {x.shape}")
    if len(x) == 0:
        raise InputError("the sample set is empty")
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    if not np.isfinite(x).all():
        raise InputError("samples contain NaN or Inf")
    if x.min() < 0 or x.max() > 1:
        raise InputError(f"float samples must lie in [0, 1], got [{x.min():.3g}, {x.max():.3g}]")
    return x.astype(np.float32)


def evaluate(samples: np.ndarray, train: np.ndarray, test: np.ndarray, extractor: Extractor,
             train_stats: tuple[np.ndarray, np.ndarray], config: EvalConfig,
             single_class: bool) -> EvalResult:
    """Compute every metric.

    Args:
        samples: generated images, uint8 (n, 28, 28, 1) or float [0, 1].
        train, test: the real images the model learned from and held-out ones (same classes),
            float32 (m, 28, 28, 1) in [0, 1].
        extractor: loaded feature extractor.
        train_stats: (mu, sigma) of the extractor's features of ``train`` (cached upstream).
        single_class: the model learned one class: mode coverage does not apply.
    """
    x = check_samples(samples)
    n = min(len(x), len(test), config.max_n)
    if n < len(x):
        log.info("comparing %d of %d samples (held-out real images available: %d)", n, len(x),
                 len(test))
    x, t = x[:n], test[:n]
    f_x, p_x = extractor.features(x)
    f_t, p_t = extractor.features(t)
    f_train, _ = extractor.features(subsample(train, config.prdc_max, config.seed))
    if f_x.shape[1] != train_stats[0].shape[0]:
        raise InputError(f"sample features have {f_x.shape[1]} dimensions, the cached real "
                         f"statistics {train_stats[0].shape[0]}")
    name = extractor.name
    rows: list[MetricRow] = []

    def add(metric: str, value: float, floor: float | None = None, count: int = n) -> None:
        rows.append(MetricRow(metric, float(value), count, name,
                              None if floor is None else float(floor)))

    add(names.FID, frechet_distance(*feature_statistics(f_x), *train_stats),
        frechet_distance(*feature_statistics(f_t), *train_stats))
    size = min(config.kid_subset_size, n, len(f_train))
    kid = kernel_inception_distance(f_train, f_x, config.kid_subsets, size, config.seed)
    kid_floor = kernel_inception_distance(f_train, f_t, config.kid_subsets, size, config.seed)
    add(names.KID, kid[0], kid_floor[0])
    add(names.KID_STD, kid[1], kid_floor[1])
    fx_sub = subsample(f_x, config.prdc_max, config.seed)
    ft_sub = subsample(f_t, config.prdc_max, config.seed)
    pr, pr_floor = precision_recall(f_train, fx_sub), precision_recall(f_train, ft_sub)
    add(names.PRECISION, pr[0], pr_floor[0], len(fx_sub))
    add(names.RECALL, pr[1], pr_floor[1], len(fx_sub))
    dc, dc_floor = density_coverage(f_train, fx_sub), density_coverage(f_train, ft_sub)
    add(names.DENSITY, dc[0], dc_floor[0], len(fx_sub))
    add(names.COVERAGE, dc[1], dc_floor[1], len(fx_sub))
    add(names.C2ST, classifier_two_sample_test(f_t, f_x, config.seed))
    predicted = None
    if p_x is not None:
        predicted = p_x.argmax(1).astype(np.int64)
        splits = min(10, n)
        add(names.CLASSIFIER_SCORE, classifier_score(p_x, splits)[0], classifier_score(p_t, splits)[0])
        if not single_class:
            modes, modes_floor = mode_coverage(p_x), mode_coverage(p_t)
            add(names.MODE_ENTROPY, modes["entropy_bits"], modes_floor["entropy_bits"])
            add(names.CLASSES_MISSING, modes["classes_missing"], modes_floor["classes_missing"])
    nn_idx, nn_d = nearest_neighbours(x, train, k=2, metric="mae")
    _, test_d = nearest_neighbours(t, train, k=1, metric="mae")
    mem = memorisation_stats(nn_d, test_d)
    add(names.COPY_RATE, mem["copy_rate"])
    add(names.DUPLICATE_RATE, mem["duplicate_rate"])
    add(names.NN1_MEDIAN, mem["nn1_median"], mem["test_nn1_median"])
    add(names.CLOSER_THAN_TEST, mem["closer_than_test_p05"], 0.05)
    return EvalResult(rows=rows, nn_index=nn_idx[:, 0], nn_distance=nn_d[:, 0],
                      predicted=predicted, copies=copy_flags(nn_d))
