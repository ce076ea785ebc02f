"""KID, precision/recall/density/coverage, mode coverage, classifier score, C2ST and the
memorisation statistics on data whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from genflow.core.errors import InputError
from genflow.tasks.evaluation.c2st import classifier_two_sample_test
from genflow.tasks.evaluation.kid import kernel_inception_distance
from genflow.tasks.evaluation.memorisation import copy_flags, memorisation_stats
from genflow.tasks.evaluation.modes import classifier_score, mode_coverage
from genflow.tasks.evaluation.prdc import density_coverage, precision_recall


def _gauss(seed: int, n: int = 2000, d: int = 16, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)) + shift


def test_kid_is_zero_for_identical_sets_and_grows_with_a_shift() -> None:
    x = _gauss(0)
    mean, std = kernel_inception_distance(x, x.copy(), subsets=20, subset_size=200)
    assert abs(mean) < 2 * std + 1e-3
    same = kernel_inception_distance(_gauss(1), _gauss(2), subsets=20, subset_size=200)[0]
    shifted = kernel_inception_distance(_gauss(1), _gauss(2, shift=0.5), subsets=20, subset_size=200)[0]
    assert abs(same) < 0.01 < shifted
    assert isinstance(mean, float)


def test_kid_needs_enough_rows() -> None:
    with pytest.raises(InputError, match="subset size 500"):
        kernel_inception_distance(_gauss(0, n=100), _gauss(1, n=100), subset_size=500)


def test_density_and_coverage_for_one_distribution() -> None:
    density, coverage = density_coverage(_gauss(3, n=1500), _gauss(4, n=1500), k=5)
    assert density == pytest.approx(1.0, abs=0.1)
    assert coverage == pytest.approx(1 - 0.5 ** 5, abs=0.03)  # ~0.97 (Naeem et al. 2020)


def test_precision_recall_separate_quality_from_diversity() -> None:
    real = _gauss(5, n=1000)
    collapsed = np.repeat(real[:5], 200, axis=0) + 1e-3 * _gauss(6, n=1000)
    precision, recall = precision_recall(real, collapsed, k=3)
    assert precision > 0.9 and recall < 0.2
    far_p, _ = precision_recall(real, _gauss(7, n=1000, shift=10.0), k=3)
    assert far_p == 0.0


def test_mode_coverage_and_classifier_score() -> None:
    uniform = np.eye(10)[np.arange(1000) % 10]
    modes = mode_coverage(uniform)
    assert modes["histogram"] == [100] * 10 and modes["entropy_bits"] == pytest.approx(np.log2(10))
    assert modes["classes_missing"] == 0.0
    only_threes = np.eye(10)[np.full(100, 3)]
    assert mode_coverage(only_threes)["missing"] == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    assert classifier_score(uniform)[0] == pytest.approx(10.0, rel=1e-6)
    assert classifier_score(np.full((100, 10), 0.1))[0] == pytest.approx(1.0)
    with pytest.raises(InputError, match="summing to 1"):
        mode_coverage(np.full((3, 10), 0.5))


def test_c2st_is_chance_for_one_distribution_and_high_for_two() -> None:
    assert classifier_two_sample_test(_gauss(8), _gauss(9)) == pytest.approx(0.5, abs=0.05)
    assert classifier_two_sample_test(_gauss(8), _gauss(9, shift=1.0)) > 0.9
    with pytest.raises(InputError, match="at least 20"):
        classifier_two_sample_test(_gauss(8, n=5), _gauss(9, n=5))


def test_memorisation_flags_copies_and_duplicates() -> None:
    sample_d = np.array([[0.0, 0.2], [0.01, 0.2], [0.15, 0.2], [0.3, 0.31]])
    test_d = np.array([[0.1], [0.12], [0.14], [0.2]] * 25)
    stats = memorisation_stats(sample_d, test_d)
    assert stats["copy_rate"] == 0.5 and stats["duplicate_rate"] == 0.25
    assert stats["closer_than_test_p05"] == 0.5
    assert copy_flags(sample_d).tolist() == [True, True, False, False]
