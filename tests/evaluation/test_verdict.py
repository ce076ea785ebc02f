"""The verdict's flags on known cases and their false-alarm rates by simulation: each flag's
test, fed rows drawn as a fine set's would be, fires at most at its stated rate; fed a set that
has the defect, it fires and (for missing_classes) names exactly the missing classes."""

from __future__ import annotations

import numpy as np
import pytest

from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import intervals, outliers
from genflow.tasks.evaluation.evaluate import MetricRow
from genflow.tasks.evaluation.verdict import (
    FLAGS,
    missing_classes,
    verdict,
    verdict_detail,
    verdict_text,
)

DRAWS = 2000


def _share_row(metric: str, hits: int, n: int, floor_hits: int | None = None) -> MetricRow:
    low, high = intervals.proportion(hits, n)
    row = MetricRow(metric, hits / n, n, "domain", low=low, high=high)
    if floor_hits is not None:
        row.floor = floor_hits / n
        row.floor_low, row.floor_high = intervals.proportion(floor_hits, n)
    return row


def _class_rows(counts: np.ndarray, floor_counts: np.ndarray) -> list[MetricRow]:
    n = int(counts.sum())
    return [_share_row(names.class_share(c), int(k), n, int(f))
            for c, (k, f) in enumerate(zip(counts, floor_counts, strict=True))]


def _confused(p: np.ndarray, error: float) -> np.ndarray:
    """Predicted-class probabilities of a classifier that errs ``error`` of the time, spread
    evenly over the other classes."""
    k = len(p)
    return p * (1 - error) + (1 - p) * error / (k - 1)


def test_missing_classes_false_alarms_at_most_five_percent() -> None:
    rng = np.random.default_rng(0)
    p = _confused(np.full(10, 0.1), 0.03)
    for n in (50, 300, 2000):
        alarms = sum(bool(missing_classes(_class_rows(rng.multinomial(n, p), rng.multinomial(n, p))))
                     for _ in range(DRAWS))
        assert alarms / DRAWS <= 0.05, (n, alarms / DRAWS)


@pytest.mark.parametrize("n", [300, 1000])
def test_three_dropped_classes_are_named(n: int) -> None:
    rng = np.random.default_rng(1)
    dropped = (0, 3, 9)
    kept = np.full(10, 1 / 7)
    kept[list(dropped)] = 0.0
    # the classifier's errors put ~0.4 % of the samples in each absent class
    p_samples, p_floor = _confused(kept, 0.03), _confused(np.full(10, 0.1), 0.03)
    hits = 0
    for _ in range(200):
        rows = _class_rows(rng.multinomial(n, p_samples), rng.multinomial(n, p_floor))
        hits += tuple(c for c, _, _ in missing_classes(rows)) == dropped
    assert hits >= 195, hits


def test_an_under_represented_class_is_not_missing_if_merely_rarer() -> None:
    """Three quarters of the floor's share is a skew, not a missing class (the 0.5 ratio)."""
    floor = np.full(10, 200)
    counts = np.array([150] + [206] * 8 + [202])  # class 0 at 75 % of the floor's share
    assert missing_classes(_class_rows(counts, floor)) == []


@pytest.mark.parametrize("name, threshold", [(names.NEAR_DUPLICATE_SHARE, "collapsed"),
                                             (names.FAR_FROM_REAL_SHARE, "unrealistic")])
def test_share_flags_false_alarm_rates(name: str, threshold: str) -> None:
    """At the flag's share limit the one-sided Wilson bound fires at most 2.5 % of the time
    (plus the binomial's discreteness); for fine sets (≈ 0.01 / 0.05) essentially never."""
    from genflow.tasks.evaluation import verdict as v

    limit = v.COLLAPSED_SHARE if threshold == "collapsed" else v.UNREALISTIC_SHARE
    fine = 0.01 if threshold == "collapsed" else 0.05
    rng = np.random.default_rng(2)
    for n in (50, 500, 2000):
        at_limit = sum(threshold in verdict([_share_row(name, int(k), n)])
                       for k in rng.binomial(n, limit, DRAWS))
        assert at_limit / DRAWS <= 0.035, (n, at_limit / DRAWS)
        ok = sum(threshold in verdict([_share_row(name, int(k), n)])
                 for k in rng.binomial(n, fine, DRAWS))
        assert ok / DRAWS <= 0.001, (n, ok / DRAWS)
    assert threshold in verdict([_share_row(name, 200, 500)])  # 40 %: flagged


def test_copies_and_below_floor_from_interval_order() -> None:
    copy = MetricRow(names.COPY_RATE, 0.5, 500, "domain", floor=0.01, low=0.45, high=0.55,
                     floor_low=0.004, floor_high=0.02)
    fid = MetricRow(names.FID, 0.4, 500, "domain", floor=1.0, low=0.3, high=0.5,
                    floor_low=0.8, floor_high=1.2)
    assert verdict([copy, fid]) == ["copies", "below_floor"]
    fid.high = 0.9  # overlaps the floor: not below it
    copy.low = 0.015  # overlaps the floor: not copies
    assert verdict([copy, fid]) == []
    assert set(FLAGS) == {"collapsed", "unrealistic", "copies", "below_floor", "missing_classes"}


def test_verdict_detail_names_the_missing_classes() -> None:
    counts = np.array([2, 143, 143, 3, 143, 143, 143, 143, 137, 0])
    assert counts.sum() == 1000
    rows = _class_rows(counts, np.full(10, 100))
    flags = verdict(rows)
    assert flags == ["missing_classes"]
    text = verdict_detail(verdict_text(flags), [vars(r) for r in rows])  # stored text, dict rows
    assert text == ("missing_classes (class 0: 0.2% against 10.0%, class 3: 0.3% against 10.0%, "
                    "class 9: 0.0% against 10.0%)"), text
    assert verdict_detail("ok", rows) == "ok" and verdict_detail(None, rows) == "(not recorded)"


def test_outlier_shares_separate_duplicates_from_far_sets() -> None:
    """On Gaussian features: fresh draws ≈ 1 % near-duplicates and ≈ 5 % far; one point
    repeated: all near-duplicates; points pushed along new directions: far, not duplicates."""
    rng = np.random.default_rng(4)
    d = 32
    pool, base, fresh = (rng.normal(size=(m, d)) + 3.0 for m in (2000, 1000, 1000))
    near, far = outliers.thresholds(base, pool)
    share_near = float((outliers.nearest_other_cosine(fresh) < near).mean())
    share_far = float((outliers.nearest_cosine(fresh, pool) > far).mean())
    assert share_near <= 0.03 and 0.02 <= share_far <= 0.09, (share_near, share_far)
    one = rng.normal(size=d) + 3.0 + 1e-3 * rng.normal(size=(1000, d))
    assert (outliers.nearest_other_cosine(one) < near).mean() == 1.0
    tilted = fresh + 4.0 * rng.normal(size=(1000, d))
    assert (outliers.nearest_cosine(tilted, pool) > far).mean() > 0.9
    assert (outliers.nearest_other_cosine(tilted) < near).mean() < 0.03
