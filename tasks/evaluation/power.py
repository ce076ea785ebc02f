"""What an evaluation could have detected at its own size: the report states its power.

"ok" at N = 50 and "ok" at N = 2,000 are different statements. Beside every judged set,
the known-case controls (controls.py) are built at the evaluation's N from its own real sets
(the baseline's held-out images, and training images for copies and collapse), judged
against the same floor, reference and extractor, and each control's failure counts as
detected when the verdict rule that should see it fires:

| control | detected when |
|---|---|
| ``train_noisy`` | ``copies`` |
| ``one_repeated`` | ``collapsed`` |
| ``dropped_classes`` | ``missing_classes`` (several-class models with labelled held-out images) |
| ``noise-1..4``, ``blur-1..4`` | any flag, or FID's interval above the floor's |

Each control is one row ``detects_<control>`` (1.0 or 0.0, n = N, no interval), one seeded draw
of each control (``genflow calibrate --repeats K`` measures rates over many); verdict.py's
``power_statement`` turns them into the line the CLI, logs and HTML report print. It depends on
the real sets, extractor, config and N only, so it is computed once per yardstick
(evaluate._yardstick) and shared by every model judged at that size. Only the rows the rules
read are computed (FID with its interval, the two shares, class shares, copy rate): about 1 s
a control at N = 500 on 2 cores.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation import memorisation, modes, outliers
from genflow.tasks.evaluation.controls import build_controls
from genflow.tasks.evaluation.entries import Judging, Metric
from genflow.tasks.evaluation.fid import fid_interval
from genflow.tasks.evaluation.verdict import verdict

METRICS = (
    Metric(names.DETECTS_PREFIX, "none", "none",
           "1 for each failure this evaluation detects at its N (docs/evaluation.md, \"Power\")",
           family=True),
)
EXPECTED = {"train_noisy": "copies", "one_repeated": "collapsed",
            "dropped_classes": "missing_classes"}


def _row(metric: str, triple: tuple[float, float, float], floor: tuple[float, float, float] | None,
         n: int) -> Any:
    floor = floor or (None, None, None)
    return SimpleNamespace(metric=metric, value=triple[0], low=triple[1], high=triple[2],
                           floor=floor[0], floor_low=floor[1], floor_high=floor[2], n=n)


def detections(baseline: np.ndarray, baseline_labels: np.ndarray | None, n: int, rod: Any,
               real: Any, extractor: Any, config: Any, single_class: bool,
               classes: list[int] | None) -> dict[str, float]:
    """{control: 1.0 detected / 0.0 not} at N = n.

    Args:
        baseline: float32 (b >= n, 28, 28, 1) in [0, 1], the baseline's held-out images in
            their seeded order: the corruptions are the first n, corrupted; the dropped-classes
            set is the first n of those not in the dropped classes (about 0.7 n when b = n, as
            for the MNIST sample's all-class models). These are the images the baseline's
            thresholds come from, not a fresh draw.
        baseline_labels: their labels (None: ``dropped_classes`` is not judged).
        rod: the yardstick of this N (its floor rows are the comparison).
    """
    several = not single_class and baseline_labels is not None \
        and len(np.unique(baseline_labels)) > 3
    labels = baseline_labels if several else np.zeros(len(baseline), np.uint8)
    sets = [s for s in build_controls(real.train, labels, baseline, labels, n, config.seed)
            if s.name != "held_out" and (several or s.name != "dropped_classes")]
    out: dict[str, float] = {}
    for s in sets:
        f, p = extractor.features(s.images)
        if s.name == "dropped_classes" and p is None:
            continue  # no class probabilities: missing_classes cannot be judged
        if s.name == "train_noisy":
            _, d = real.index.search(s.images, 1)
            nn1 = d[:, 0]
        else:
            nn1 = np.ones(len(f))  # not read: only the copies rule reads distances
        judging = Judging(f, p, nn1, np.zeros(len(f), np.int64), rod, real, config,
                          single_class, classes)
        found = {names.FID: fid_interval(f, *real.reference_stats, config.bootstrap, config.seed,
                                         warn=False)[0],
                 **outliers.score(judging),
                 **modes.score_classes(judging)}
        if s.name == "train_noisy":
            found.update(memorisation.score_copies(judging))
        rows = [_row(metric, triple, rod.floor.get(metric), len(f))
                for metric, triple in found.items()]
        flags = verdict(rows)
        if s.name in EXPECTED:
            hit = EXPECTED[s.name] in flags
        else:
            fid = found[names.FID]
            floor_high = rod.floor[names.FID][2]
            hit = bool(flags) or (np.isfinite(fid[1]) and fid[1] > floor_high)
        out[s.name] = 1.0 if hit else 0.0
    return out

