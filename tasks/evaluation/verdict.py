"""Flags analysts can filter on, each from one documented test on one evaluation's rows, with
its false-alarm rate for sets that are in fact fine (docs/evaluation.md, "Verdict"):

- ``collapsed`` (diversity alone): ``near_duplicate_share``'s 95 % lower bound above
  ``COLLAPSED_SHARE``: at least a tenth of the samples are near-duplicates of another sample
  (fresh real images: ≈ 0.01). One-sided 2.5 % at a true share of 0.10 (2.3–3.1 %
  simulated, the binomial's steps).
- ``unrealistic`` (fidelity alone): ``far_from_real_share``'s lower bound above
  ``UNREALISTIC_SHARE``: three times as many samples far from every reference image as real
  images (≈ 0.05). One-sided 2.5 % at a true share of 0.15 (2.8–3.7 % simulated).
- ``copies``: ``copy_rate``'s lower bound over the floor's upper bound (significantly more
  samples sit closer to a training image than 99 % of held-out images).
- ``below_floor``: FID's upper bound under the floor's lower bound (better than real held-out
  images: memorised, or the reference is not what it should be).
- ``missing_classes`` (several-class models): a class whose share of the predicted classes
  is under half the floor's and significantly so: one-sided two-proportion z-test per class,
  Bonferroni over the classes (family-wise 5 %). ``missing_classes(rows)`` names them.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import scipy.stats

from genflow.tasks.evaluation import config as names

FLAGS = ("collapsed", "unrealistic", "copies", "below_floor", "missing_classes")
COLLAPSED_SHARE = 0.10
UNREALISTIC_SHARE = 0.15
MISSING_ALPHA = 0.05  # family-wise, over the model's classes
MISSING_RATIO = 0.5   # a missing class has under half the floor's share


def _bounds(row: Any) -> tuple[float, float, float, float] | None:
    got = (row.low, row.high, row.floor_low, row.floor_high)
    return None if any(v is None for v in got) else got  # type: ignore[return-value]


def _fields(row: Any) -> Any:
    return SimpleNamespace(**row) if isinstance(row, dict) else row


def missing_classes(rows: list[Any]) -> list[tuple[int, float, float]]:
    """(class, share, floor share) of every class significantly under-represented against
    the floor, from the ``class_share_<c>`` rows (MetricRows or dicts; empty when there are
    none)."""
    shares = [r for r in map(_fields, rows) if r.metric.startswith(names.CLASS_SHARE_PREFIX)
              and r.floor is not None]
    if len(shares) < 2:
        return []
    z_crit = float(scipy.stats.norm.isf(MISSING_ALPHA / len(shares)))
    out = []
    for r in shares:
        pooled = (r.value + r.floor) / 2
        se = math.sqrt(pooled * (1 - pooled) * 2 / r.n) if 0 < pooled < 1 else 0.0
        if se > 0 and (r.floor - r.value) / se > z_crit and r.value < MISSING_RATIO * r.floor:
            out.append((int(r.metric.removeprefix(names.CLASS_SHARE_PREFIX)), r.value, r.floor))
    return out


def verdict(rows: list[Any]) -> list[str]:
    """Flags (a subset of FLAGS, in that order) of one evaluation's MetricRows."""
    by = {r.metric: r for r in rows}

    def low_above(name: str, share: float) -> bool:
        r = by.get(name)
        return r is not None and r.low is not None and r.low > share

    def bounds(name: str) -> tuple[float, float, float, float] | None:
        r = by.get(name)
        return None if r is None else _bounds(r)

    copies, fid = bounds(names.COPY_RATE), bounds(names.FID)
    flags = {
        "collapsed": low_above(names.NEAR_DUPLICATE_SHARE, COLLAPSED_SHARE),
        "unrealistic": low_above(names.FAR_FROM_REAL_SHARE, UNREALISTIC_SHARE),
        "copies": copies is not None and copies[0] > copies[3],
        "below_floor": fid is not None and fid[1] < fid[2],
        "missing_classes": bool(missing_classes(rows)),
    }
    return [f for f in FLAGS if flags[f]]


def verdict_text(flags: list[str]) -> str:
    """The verdict column: flags joined by commas, or "ok"."""
    return ",".join(flags) or "ok"


def power_statement(rows: list[Any]) -> str:
    """One line from a set's ``detects_<control>`` rows (power.py; MetricRows or dicts): which
    known failures this evaluation detects at its N and which it would miss; "" without them."""
    got: dict[str, bool] = {}
    n = None
    for r in map(_fields, rows):
        if r.metric.startswith(names.DETECTS_PREFIX):
            got[r.metric.removeprefix(names.DETECTS_PREFIX)] = r.value >= 0.5
            n = r.n
    if not got:
        return ""
    seen = [c for c, hit in got.items() if hit]
    missed = [c for c, hit in got.items() if not hit]
    return (f"at N = {n} it detects {', '.join(seen) or 'none of the controls'}"
            + (f", not {', '.join(missed)}" if missed else " (every control)"))


def verdict_detail(flags: list[str] | str | None, rows: list[Any]) -> str:
    """The verdict (flags, or the stored verdict text), naming the missing classes with
    their shares against the floor's: ``missing_classes (class 3: 0.4% against 10.1%, ...)``,
    then the evaluation's power at its N (``power_statement``)."""
    if flags is None:
        return "(not recorded)"
    if isinstance(flags, str):
        flags = [f for f in flags.split(",") if f and f != "ok"]
    text = verdict_text(flags)
    if "missing_classes" in flags:
        named = ", ".join(f"class {c}: {share:.1%} against {floor:.1%}"
                          for c, share, floor in missing_classes(rows))
        text += f" ({named})"
    power = power_statement(rows)
    return f"{text}; {power}" if power else text
