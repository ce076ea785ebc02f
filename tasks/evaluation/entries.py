"""What a metric's registry entry says, and what its scorer sees (the registry: metrics.py).

Each scoring module (fid.py, kid.py, prdc.py, c2st.py, modes.py, outliers.py, memorisation.py)
declares its metrics beside its code: a ``METRICS`` tuple of ``Metric`` entries and a
``SCORERS`` tuple of functions, each mapping a ``Judging`` (one judged set and its yardstick)
to ``{metric: (value, low, high)}``. ``evaluate()`` runs every scorer on the samples and on the
floor; the CLI tables, ``compare``, the trends and the HTML report read the entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

# Which way is better ("zero": nearer 0 either way; "none": no direction, e.g. an
# informational figure).
Better = Literal["lower", "higher", "zero", "none"]
# Rows a metric is computed on, given N judged rows:
#   "n": all N;  "judged": min(N, prdc_max) (pairwise distances);  "paired": min(N, prdc_max,
#   reference pool rows) (the reference pool is a side too);  "fixed": its own count, set by
#   the code that writes the row (a threshold's baseline rows, an extractor's test images).
Size = Literal["n", "judged", "paired", "fixed"]


@dataclass(frozen=True)
class Metric:
    """One metric's facts, the only place they are written.

    Attributes:
        name: the ``metric`` column's value (``family``: a prefix, e.g. ``class_share_``).
        better: which way is better (``compare``'s better/worse, the regression alerts).
        interval: how its 95 % interval is made (``"none"``: no interval).
        fresh: what fresh real images score (docs/evaluation.md's column says the same; the
            simulation and calibration tests check the values).
        size: the sample-size rule of its ``n`` (see ``Size``).
        headline: in summaries, comparisons, alerts and the HTML report's table.
        trend: charted on ``reports/index.html``.
        family: one entry for a family of rows named ``name + suffix``.
    """

    name: str
    better: Better
    interval: str
    fresh: str
    size: Size = "n"
    headline: bool = False
    trend: bool = False
    family: bool = False

    def n_of(self, n: int, prdc_max: int, pool: int) -> int:
        """This metric's row count when N rows are judged."""
        return {"n": n, "fixed": n, "judged": min(n, prdc_max),
                "paired": min(n, prdc_max, pool)}[self.size]


Triple = tuple[float, float, float]  # (value, low, high); NaN bounds: no interval


@dataclass
class Judging:
    """What a scorer sees of one judged set (the samples, or the floor's held-out images).

    Attributes:
        features: float (N, d) extractor features of the judged rows.
        probs: float (N, C) class probabilities (domain extractor), or None.
        nn1: float64 (N,) mean absolute pixel distance to the nearest training image.
        nn_index: int64 (N,) that training image.
        rod: the yardstick of this size (evaluate._Yardstick: reference pool, baseline
            thresholds, memorisation queries).
        real: the real sets (evaluate.RealSets).
        config: the EvalConfig; ``seed`` is ``config.seed``.
        single_class: the model learned one class; classes: its classes (None: all).
    """

    features: np.ndarray
    probs: np.ndarray | None
    nn1: np.ndarray
    nn_index: np.ndarray
    rod: Any
    real: Any
    config: Any
    single_class: bool
    classes: list[int] | None

    @property
    def seed(self) -> int:
        return int(self.config.seed)


Scorer = Callable[[Judging], dict[str, Triple]]
