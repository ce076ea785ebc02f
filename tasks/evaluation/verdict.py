"""Flags analysts can filter on, derived from the intervals of one evaluation's rows (the
rules are documented in docs/evaluation.md; every flag needs the samples' interval to clear the
floor's interval, so noise alone does not raise one):

- ``collapsed``: recall and coverage both far below the floor: their upper bounds under half
  the floor's lower bounds (the samples cover less than half of what real images cover).
- ``copies``: ``copy_rate`` above the floor: its lower bound over the floor's upper bound
  (significantly more samples sit closer to a training image than 99 % of held-out images).
- ``below_floor``: FID better than real held-out images: its upper bound under the floor's
  lower bound (suspicious: memorised, or the reference is not what it should be).
- ``missing_classes``: ``classes_missing`` above the floor's interval (models of several
  classes only).
"""

from __future__ import annotations

from typing import Any

from genflow.tasks.evaluation import config as names

FLAGS = ("collapsed", "copies", "below_floor", "missing_classes")


def _bounds(row: Any) -> tuple[float, float, float, float] | None:
    got = (row.low, row.high, row.floor_low, row.floor_high)
    return None if any(v is None for v in got) else got  # type: ignore[return-value]


def verdict(rows: list[Any]) -> list[str]:
    """Flags (a subset of FLAGS, in that order) of one evaluation's MetricRows."""
    by = {r.metric: _bounds(r) for r in rows}

    def far_below(name: str) -> bool:
        b = by.get(name)
        return b is not None and b[1] < 0.5 * b[2]

    def above(name: str) -> bool:
        b = by.get(name)
        return b is not None and b[0] > b[3]

    def below(name: str) -> bool:
        b = by.get(name)
        return b is not None and b[1] < b[2]

    flags = {
        "collapsed": far_below(names.RECALL) and far_below(names.COVERAGE),
        "copies": above(names.COPY_RATE),
        "below_floor": below(names.FID),
        "missing_classes": above(names.CLASSES_MISSING),
    }
    return [f for f in FLAGS if flags[f]]


def verdict_text(flags: list[str]) -> str:
    """The verdict column: flags joined by commas, or "ok"."""
    return ",".join(flags) or "ok"
