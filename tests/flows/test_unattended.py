"""Which missed scheduled run executes after an outage (``flows.unattended.newest_missed``)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from genflow.flows.unattended import newest_missed

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


def _run(name: str, due_s: float) -> SimpleNamespace:
    return SimpleNamespace(id=name, name=name, expected_start_time=T0 + dt.timedelta(seconds=due_s))


def test_an_older_missed_run_defers_to_the_newest_one_due_when_it_was_taken() -> None:
    runs = [_run(n, 45 * i) for i, n in enumerate("abcd")]
    newest, cancel = newest_missed(runs[0], runs[1:], claimed_at=T0 + dt.timedelta(seconds=150))
    assert newest.name == "d"
    assert sorted(r.name for r in cancel) == ["b", "c"]


def test_the_newest_missed_run_executes_though_the_next_slot_came_due_while_it_started() -> None:
    # Taken at 140 s; its process started so slowly (50 s) that slot "e" (180 s) is due when it
    # asks. Deferring to "e" would repeat at every slot: no run would ever execute.
    runs = [_run(n, 45 * i) for i, n in enumerate("abcde")]
    newest, cancel = newest_missed(runs[3], runs[:3] + runs[4:],
                                   claimed_at=T0 + dt.timedelta(seconds=140))
    assert newest.name == "d"
    assert sorted(r.name for r in cancel) == ["a", "b", "c"]


def test_a_run_taken_alone_cancels_nothing() -> None:
    run = _run("a", 0)
    assert newest_missed(run, [run], claimed_at=T0 + dt.timedelta(seconds=5)) == (run, [])
