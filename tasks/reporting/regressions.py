"""What got worse since the previous run: the alerts' source, by ``genflow compare``'s rule.

For each (model, dataset) of a run, the previous run is the latest earlier run in the
``metrics`` table with the same model, dataset and profile. A headline metric *regressed*
when the two rows are like for like (same N, extractor and extractor key) and the intervals do
not overlap in the worse direction (``compare.Change.direction == "worse"``); a verdict flag is
*newly raised* when this run's verdict has it and the previous one did not. A model without a
previous run has nothing to compare and raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from genflow.core.errors import InputError
from genflow.tasks.reporting.compare import compare_runs


@dataclass(frozen=True)
class Regression:
    """One headline metric of one model that got worse beyond the intervals."""

    model: str
    dataset: str
    metric: str
    previous_run: str
    previous: dict  # {"value", "low", "high", "n"}
    current: dict

    def payload(self) -> dict:
        return {"model": self.model, "dataset": self.dataset, "metric": self.metric,
                "previous_run": self.previous_run, "previous": self.previous,
                "current": self.current}


@dataclass(frozen=True)
class RaisedFlags:
    """Verdict flags one model's run has that its previous run had not."""

    model: str
    dataset: str
    flags: tuple[str, ...]
    previous_run: str
    verdict: str
    previous_verdict: str

    def payload(self) -> dict:
        return {"model": self.model, "dataset": self.dataset, "flags": list(self.flags),
                "previous_run": self.previous_run, "verdict": self.verdict,
                "previous_verdict": self.previous_verdict}


def _flags(verdict: str | None) -> set[str]:
    return {f for f in (verdict or "").split(",") if f and f != "ok"}


def _side(row: dict) -> dict:
    return {k: row.get(k) for k in ("value", "low", "high", "n")}


def changes_since_previous(rows: list[dict], run_id: str) -> tuple[list[Regression], list[RaisedFlags]]:
    """Regressions and newly raised flags of run ``run_id`` against each model's previous run.

    Args:
        rows: the ``metrics`` table's rows (dicts), this run's included.
    """
    mine = {(r["model"], r["dataset"], r["profile"]) for r in rows if r["run_id"] == run_id}
    regressions: list[Regression] = []
    raised: list[RaisedFlags] = []
    for model, dataset, profile in sorted(mine):
        same = [r for r in rows if (r["model"], r["dataset"], r["profile"]) == (model, dataset, profile)]
        earlier = sorted({r["run_id"] for r in same if r["run_id"] < run_id})
        if not earlier:
            continue
        previous = earlier[-1]
        try:
            changes, verdicts = compare_runs(same, previous, run_id)
        except InputError:  # no headline metric in common: nothing to compare for this model
            continue
        regressions += [Regression(c.model, c.dataset, c.metric, previous, _side(c.a), _side(c.b))
                        for c in changes if c.comparable is None and c.direction == "worse"]
        before, now = verdicts.get((model, dataset), (None, None))
        new = sorted(_flags(now) - _flags(before))
        if new:
            raised.append(RaisedFlags(model, dataset, tuple(new), previous, now or "",
                                      before or ""))
    return regressions, raised
