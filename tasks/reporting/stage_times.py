"""Per-stage wall time of a run: the union of a stage's intervals over every branch, so that
branches running at once are not counted twice (summing run times over-counts)."""

from __future__ import annotations

Interval = tuple[float, float]  # (start, end), seconds since the epoch


def wall_seconds(intervals: list[Interval]) -> float:
    """Length of the union of ``intervals``."""
    total, end = 0.0, None
    for a, b in sorted(intervals):
        if end is None or a > end:
            total, end = total + (b - a), b
        elif b > end:
            total, end = total + (b - end), b
    return total


def stage_seconds(spans: dict[str, list[Interval]]) -> dict[str, float]:
    """{stage: wall seconds}, rounded to milliseconds."""
    return {stage: round(wall_seconds(list(intervals)), 3) for stage, intervals in spans.items()}


def merge(*many: dict[str, list[Interval]]) -> dict[str, list[Interval]]:
    out: dict[str, list[Interval]] = {}
    for spans in many:
        for stage, intervals in spans.items():
            out.setdefault(stage, []).extend(tuple(i) for i in intervals)
    return out
