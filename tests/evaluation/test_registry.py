"""The metric registry (tasks/evaluation/metrics.py) is the one place of each metric's facts:
every row an evaluation writes is registered, the docs name every registered metric, and the
readers (compare, the CLI tables, trends, the HTML table) take the headline metrics and the
directions from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from genflow.core.errors import InputError
from genflow.tasks.evaluation import metrics

DOCS = Path(__file__).resolve().parents[2] / "docs" / "evaluation.md"


def _table_names(section: str) -> set[str]:
    text = DOCS.read_text(encoding="utf-8").split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([a-z0-9_<>]+)`", line.split("|")[1]))
    return {re.sub(r"<[^>]+>", "", n) for n in names}


def test_every_registered_metric_is_documented_and_every_documented_one_registered() -> None:
    registered = {m.name for m in metrics.entries()} - {"control_passed"}  # a control's outcome
    assert _table_names("Metrics") == registered
    with_interval = {m.name for m in metrics.entries() if m.interval != "none"}
    assert _table_names("Intervals") == with_interval


def test_entries_answer_for_row_names() -> None:
    assert metrics.entry("class_share_7").name == "class_share_"  # a family's row
    assert metrics.better("fid") == "lower" and metrics.better("recall") == "higher"
    assert metrics.better("memorisation_gap") == "zero"
    assert metrics.better("an_old_metric") == "none"  # a row written by an older genflow
    with pytest.raises(InputError, match="not registered"):
        metrics.entry("fdi")
    assert metrics.headline()[:2] == ("fid", "kid") and "memorisation_gap" in metrics.headline()
    assert set(metrics.trends()) <= set(metrics.headline())
    assert metrics.entry("recall").n_of(5000, 2000, 1500) == 1500
    assert metrics.entry("precision").n_of(5000, 2000, 1500) == 2000
    assert metrics.entry("fid").n_of(5000, 2000, 1500) == 5000


def test_compare_takes_headline_metrics_and_directions_from_the_registry() -> None:
    from genflow.tasks.reporting.compare import compare_runs

    def row(run: str, metric: str, value: float) -> dict:
        return {"run_id": run, "model": "m", "dataset": "d", "metric": metric, "value": value,
                "low": value - 0.01, "high": value + 0.01, "n": 100, "extractor": "domain",
                "profile": "quick", "verdict": "ok"}

    rows = [row(run, metric, value) for run, scale in (("a", 1.0), ("b", 2.0))
            for metric, value in (("fid", 1.0 * scale), ("memorisation_gap", 0.1 * scale),
                                  ("density", 1.0 * scale), ("recall", 0.4 * scale))]
    changes, _ = compare_runs(rows, "a", "b")
    assert [c.metric for c in changes] == ["fid", "recall", "memorisation_gap"]  # registry order
    assert {c.metric: c.direction for c in changes} == {
        "fid": "worse", "recall": "better", "memorisation_gap": "worse"}
    every, _ = compare_runs(rows, "a", "b", None)
    assert {c.metric: c.direction for c in every}["density"] == "changed"  # no direction
