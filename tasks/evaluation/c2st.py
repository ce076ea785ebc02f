"""Classifier two-sample test: the automated form of the lecture's human real-or-fake game
(E2), as a leave-one-out 1-nearest-neighbour classifier in feature space (Lopez-Paz & Oquab
2017; Xu et al. 2018).

Real and generated features (the same m rows from each side) are pooled; each row is labelled
by its nearest other row (Euclidean). The accuracy is 0.5 when the two sets are
indistinguishable and rises towards 1 both when they differ in place (samples off the data)
and in spread (a collapsed set: its rows are each other's nearest neighbours). Because the
nearest neighbours do not depend on the labels, the permutation test is exact and cheap: the
p-value is the share of label shufflings scoring at least the observed accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genflow.core.errors import InputError
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import intervals
from genflow.tasks.evaluation.entries import Judging, Metric, Triple
from genflow.tasks.evaluation.prdc import subsample


@dataclass
class C2ST:
    accuracy: float      # leave-one-out 1-NN accuracy over the 2m pooled rows, in [0, 1]
    p_value: float       # one-sided permutation p-value, in (0, 1]
    m: int               # rows per side
    null_sd: float = 0.0  # sd of the accuracy over label permutations


def nearest_other(x: np.ndarray) -> np.ndarray:
    """int64 (n,): each row's nearest other row (Euclidean, ties by lowest index)."""
    sq = (x * x).sum(1)
    d = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.fill_diagonal(d, np.inf)
    return d.argmin(axis=1)


def one_nn_two_sample_test(real: np.ndarray, fake: np.ndarray, seed: int = 0,
                           permutations: int = 1000) -> C2ST:
    """Leave-one-out 1-NN two-sample test.

    Args:
        real, fake: float (n, d) features with the same d; m = min(n_real, n_fake) rows are
            drawn from each side with ``seed``.
        permutations: label shufflings for the p-value.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise InputError(f"C2ST: feature shapes {real.shape} and {fake.shape} do not match")
    m = min(len(real), len(fake))
    if m < 10:
        raise InputError(f"C2ST needs at least 10 rows per side (got {m})")
    rng = np.random.default_rng(seed)
    x = np.concatenate([real[rng.permutation(len(real))[:m]], fake[rng.permutation(len(fake))[:m]]])
    nn = nearest_other(x)
    labels = np.r_[np.ones(m, bool), np.zeros(m, bool)]
    accuracy = float((labels == labels[nn]).mean())
    null = np.empty(permutations)
    for i in range(permutations):
        shuffled = rng.permutation(labels)
        null[i] = (shuffled == shuffled[nn]).mean()
    hits = int((null >= accuracy).sum())
    return C2ST(accuracy=accuracy, p_value=(hits + 1) / (permutations + 1), m=m,
                null_sd=float(null.std(ddof=1)) if permutations > 1 else 0.0)


METRICS = (
    Metric(names.C2ST, "lower", fresh="0.5", size="paired", headline=True, trend=True,
           interval="the wider of Wilson's over the 2m classified rows and ± 1.96 × the "
                    "accuracy's spread over the label permutations (counts the draw of the m "
                    "real rows)"),
    Metric(names.C2ST_P, "none", interval="none", fresh="not small", size="paired"),
)


def accuracy_interval(test: C2ST) -> Triple:
    """(accuracy, low, high): the wider of Wilson's interval over the 2m classified rows and
    ± 1.96 × the accuracy's spread over the label permutations (leave-one-out outcomes of
    mutual neighbours are correlated, so Wilson's alone is too narrow). The permutations treat
    both sides alike, so the interval counts the draw of the m real rows too: it is not
    conditional on them (with them held fixed, fresh images' accuracy spreads 1.1-1.2x less;
    bench/intervals.py checks it with the real rows redrawn per draw)."""
    wilson = intervals.proportion(test.accuracy * 2 * test.m, 2 * test.m)
    half = max(intervals.Z95 * test.null_sd, (wilson[1] - wilson[0]) / 2)
    return (test.accuracy, *intervals.clip(test.accuracy - half, test.accuracy + half, 0.0, 1.0))


def score(j: Judging) -> dict[str, Triple]:
    """The 1-NN two-sample test against the reference pool (see METRICS)."""
    test = one_nn_two_sample_test(j.rod.pool, subsample(j.features, j.config.prdc_max, j.seed),
                                  j.seed)
    return {names.C2ST: accuracy_interval(test),
            names.C2ST_P: (test.p_value, math.nan, math.nan)}


SCORERS = (score,)
