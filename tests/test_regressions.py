"""The alerts' rule: a headline metric worse beyond the intervals than in the previous run of
the same model, dataset and profile; a flag the previous run's verdict did not have."""

from __future__ import annotations

from genflow.tasks.reporting.regressions import changes_since_previous


def _row(run: str, metric: str, value: float, half: float, verdict: str = "ok", model: str = "dcgan",
         profile: str = "quick", n: int = 2000, key: str = "x1") -> dict:
    return {"run_id": run, "model": model, "dataset": "mnist", "profile": profile, "metric": metric,
            "value": value, "low": value - half, "high": value + half, "n": n,
            "extractor": "domain", "extractor_key": key, "verdict": verdict}


def test_worse_beyond_the_intervals_regresses_and_new_flags_are_raised() -> None:
    rows = [_row("20261201T020000Z-a", "fid", 60.0, 5.0), _row("20261201T020000Z-a", "recall", 0.6, 0.02),
            _row("20261202T020000Z-b", "fid", 90.0, 5.0, "collapsed"),  # worse beyond
            _row("20261202T020000Z-b", "recall", 0.59, 0.02, "collapsed")]  # within: same
    regressions, raised = changes_since_previous(rows, "20261202T020000Z-b")
    assert [(r.metric, r.previous["value"], r.current["value"]) for r in regressions] == [("fid", 60.0, 90.0)]
    assert regressions[0].previous_run == "20261201T020000Z-a"
    assert [(f.model, f.flags) for f in raised] == [("dcgan", ("collapsed",))]


def test_better_runs_other_profiles_and_unlike_rows_raise_nothing() -> None:
    rows = [_row("20261201T020000Z-a", "fid", 90.0, 5.0, "collapsed"),
            _row("20261202T020000Z-b", "fid", 60.0, 5.0),  # better, flag cleared
            _row("20261202T030000Z-c", "fid", 300.0, 5.0, profile="smoke"),  # no previous smoke run
            _row("20261203T020000Z-d", "fid", 200.0, 5.0, key="retrained")]  # another extractor
    assert changes_since_previous(rows, "20261202T020000Z-b") == ([], [])
    assert changes_since_previous(rows, "20261202T030000Z-c") == ([], [])
    assert changes_since_previous(rows, "20261203T020000Z-d") == ([], [])
