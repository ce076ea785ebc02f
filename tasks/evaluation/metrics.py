"""The metric registry: one entry per metric, as models have one (tasks/models/registry.py).

Each entry (``entries.Metric``) is written beside the code that computes it, in the scoring
modules listed here in row order; ``evaluate()`` is a loop over their scorers, and the CLI
tables, ``compare``, the regression alerts, the trends and the HTML report read the entries
instead of literal names. Adding a metric is an entry and a scorer in its module.

The modules are imported here statically, so the evaluation's code version (a cache key
part, storage/hashing.py) covers every scorer.
"""

from __future__ import annotations

import functools

from genflow.core.errors import InputError
from genflow.tasks.evaluation import (
    c2st,
    controls,
    fid,
    kid,
    memorisation,
    modes,
    outliers,
    power,
    prdc,
)
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation.entries import Metric, Scorer

# Row order of an evaluation: FID-type distances, precision/recall, the two-sample test, the
# classifier's view, diversity and fidelity shares, memorisation. Then rows written by the
# code around the scorers: the power statement, the extractor's accuracy, the controls' outcome.
_MODULES = (fid, kid, prdc, c2st, modes, outliers, memorisation, power, controls)
# Written by the evaluation stage beside a set's rows (evaluate_tasks.result_rows); its entry
# is here, not in classifier.py, so that editing it never changes the extractor's cache key.
_AROUND = (Metric(names.EXTRACTOR_ACCURACY, "none", "none", "", size="fixed"),)


@functools.cache
def entries() -> tuple[Metric, ...]:
    """Every registered metric, in row order (names are unique; checked)."""
    out = tuple(m for module in _MODULES for m in getattr(module, "METRICS", ())) + _AROUND
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise AssertionError(f"metric registered twice: {sorted(n for n in names if names.count(n) > 1)}")
    return out


def scorers() -> tuple[Scorer, ...]:
    """Every scorer, in row order."""
    return tuple(s for module in _MODULES for s in getattr(module, "SCORERS", ()))


@functools.cache
def _by_name() -> dict[str, Metric]:
    return {m.name: m for m in entries()}


def entry(name: str) -> Metric:
    """The entry of a metric row's name (a family's rows: their prefix's entry).

    Raises:
        InputError: no metric of that name is registered.
    """
    found = _by_name().get(name)
    if found is not None:
        return found
    for m in entries():
        if m.family and name.startswith(m.name):
            return m
    raise InputError(f"metric {name!r} is not registered (tasks/evaluation/metrics.py)")


def known(name: str) -> bool:
    try:
        entry(name)
    except InputError:
        return False
    return True


def headline() -> tuple[str, ...]:
    """The headline metrics, in row order: summaries, comparisons, alerts, the HTML table."""
    return tuple(m.name for m in entries() if m.headline)


def trends() -> tuple[str, ...]:
    """The metrics charted over runs on reports/index.html."""
    return tuple(m.name for m in entries() if m.trend)


def better(name: str) -> str:
    """"lower", "higher", "zero" (nearer 0) or "none" for a metric row's name ("none" when
    unregistered: a row written by an older genflow)."""
    return entry(name).better if known(name) else "none"
