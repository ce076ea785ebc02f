"""What a deployment run (train, report, pipeline) does so that a bad night costs no run.

- ``check_attempt``: a run rescheduled after a crash or a timeout (by the recovery automation,
  ``automations.py``) is tried at most ``Limits.attempts`` times in all; a further attempt ends
  Failed at once, so a run that crashes every time is not rescheduled forever.
- ``deadline``: a watchdog thread for hangs Prefect's own timeouts cannot interrupt (a step
  stuck in native code never returns to Python): past ``Limits.run_seconds`` it marks the run
  TimedOut and ends the process (exit 0 once the state is recorded, so the worker does not
  report a crash on top; 124 if the server could not be told), which frees the worker's slot.
- ``step_aside``: an attempt whose run folder a newer attempt claimed (this process froze and
  its run was rescheduled elsewhere) leaves without reporting anything to the server, so the
  newer attempt's Completed state stays as it is.
- ``supersede_missed``: after an outage only the newest missed scheduled pipeline run executes;
  the older ones end Cancelled with the reason.

Runs started in-process (``genflow run``, ``genflow train``) are left alone by all of these:
a person is watching them.
"""

# No `from __future__ import annotations` here: Dask ships flow modules by value.

import contextlib
import datetime as dt
import logging
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from genflow.core.errors import GenflowError, Superseded, caused_by

log = logging.getLogger("genflow.flows.unattended")

TIMED_OUT = "TimedOut"  # Prefect's name for a Failed state that ran out of time


class GaveUp(GenflowError):
    """A deployment run was attempted as often as its limits allow."""


def deployment_run() -> Any:
    """The current flow run when it is a deployment's run (not a subflow, not in-process)."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    run = ctx.flow_run if ctx else None
    return run if run is not None and run.deployment_id is not None else None


def check_attempt(attempts: int) -> None:
    """Raise GaveUp when this deployment run has already been attempted ``attempts`` times."""
    run = deployment_run()
    if run is not None and run.run_count > attempts:
        raise GaveUp(f"flow run {run.name}: attempt {run.run_count} of at most {attempts} "
                     f"(it crashed or timed out {run.run_count - 1} times); not trying again")


def _current(flow_run_id: Any, attempt: int) -> tuple[bool, Any]:
    """(attempt ``attempt`` is the one the server runs, the server's run); (True, None) when
    the server cannot be reached: only a clear "no" makes an attempt stale."""
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            current = client.read_flow_run(flow_run_id)
    except Exception:  # unreachable: report as usual, Prefect sorts it out
        return True, None
    running = bool(current.state and current.state.is_running())
    return running and current.run_count == attempt, current


def is_current_attempt() -> bool:
    """This deployment run's attempt is still the one the server runs (True when not a
    deployment run, or when unsure)."""
    run = deployment_run()
    return True if run is None else _current(run.id, run.run_count)[0]


@contextlib.contextmanager
def genflow_tags() -> Iterator[None]:
    """Pass this deployment run's tags (``genflow`` among them) on to its subflows, which the
    crash automation then watches too (Prefect gives subflows no tags of their own)."""
    run = deployment_run()
    if run is None or not run.tags:
        yield
        return
    from prefect import tags

    with tags(*run.tags):
        yield


def ensure_current_attempt() -> None:
    """Raise Superseded when this deployment run's attempt is no longer the one the server
    runs (it froze, was presumed dead and rescheduled); called before a run writes its report."""
    run = deployment_run()
    if run is None:
        return
    ok, current = _current(run.id, run.run_count)
    if not ok:
        raise Superseded(f"flow run {run.name}: attempt {run.run_count} was superseded (the "
                         f"server's run is at attempt {current.run_count}, "
                         f"{current.state.name if current.state else 'no state'})")


def _set_state(flow_run_id: Any, state: Any) -> bool:
    """Propose ``state`` for a flow run; whether the server accepted it."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.set_flow_run_state(flow_run_id, state).status.value == "ACCEPT"


def _exit_now(code: int) -> None:
    for handler in logging.getLogger().handlers + logging.getLogger("prefect").handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    sys.stderr.flush()
    os._exit(code)


@contextlib.contextmanager
def deadline(seconds: float | None, what: str) -> Iterator[None]:
    """Bound this deployment run to ``seconds``: past it, mark it TimedOut and end the process.
    No-op for in-process runs and ``seconds=None``."""
    run = deployment_run()
    if run is None or seconds is None:
        yield
        return
    from prefect.states import Failed

    done = threading.Event()
    attempt = run.run_count

    def watch() -> None:
        if done.wait(seconds):
            return
        message = f"{what}: still running after {seconds:.0f} s (Limits.run_seconds); ended"
        log.error(message)
        code = 124  # the server could not be told: the worker reports a crash instead
        try:
            # this thread has no run context: ask about this attempt by id and count
            current, _ = _current(run.id, attempt)
            if not current or _set_state(run.id, Failed(name=TIMED_OUT, message=message)):
                code = 0  # stale (a newer attempt owns the run), or recorded
        finally:
            _exit_now(code)

    threading.Thread(target=watch, name="genflow-deadline", daemon=True).start()
    try:
        yield
    finally:
        done.set()


def timed_out(error: BaseException) -> Any:
    """The final state of a deployment run whose stage timed out (the recovery automation
    reschedules TimedOut runs); re-raises ``error`` for in-process runs."""
    if deployment_run() is None:
        raise error
    from prefect.states import Failed

    return Failed(name=TIMED_OUT, message=f"{type(error).__name__}: {error}")


def is_timeout(error: BaseException) -> bool:
    """A stage (or task) ran out of its time (Prefect's timeouts raise TimeoutErrors)."""
    return isinstance(error, TimeoutError) and not isinstance(error, GenflowError)


def step_aside(error: BaseException) -> None:
    """End the process silently when this attempt was superseded: ``error`` says so, or the
    server runs a newer attempt of the flow run (deployment runs only: the newer attempt owns
    the flow run's state and rows now)."""
    if deployment_run() is None:
        return
    superseded = caused_by(error, Superseded)
    if superseded is not None or not is_current_attempt():
        log.warning("%s; this stale attempt exits without reporting",
                    superseded or f"{type(error).__name__}: {error}")
        _exit_now(0)


def _claimed_at(client: Any, run: Any) -> dt.datetime:
    """When a worker first tried to take this run (not before it was due): its first Pending, or
    its first AwaitingConcurrencySlot (the server turned a Pending away while another run of
    the deployment held the slot). A slot that came due after that was not missed with this
    run; the first try, not the latest, because a run that waited behind others would
    otherwise count every slot that came due while they started."""
    from prefect.client.schemas.objects import StateType

    due = run.expected_start_time
    tried = [s.timestamp for s in client.read_flow_run_states(run.id)
             if s.timestamp is not None
             and (s.type == StateType.PENDING or s.name == "AwaitingConcurrencySlot")]
    claimed = min(tried) if tried else dt.datetime.now(dt.UTC)
    return max(claimed, due) if due is not None else claimed


def newest_missed(run: Any, due: list[Any], claimed_at: dt.datetime) -> tuple[Any, list[Any]]:
    """(the run that executes, the runs to cancel) among ``run`` and the other due runs.

    Only runs due by ``claimed_at`` (when a worker first tried to take ``run``) compete: a slot
    that comes due while ``run`` waits or its process starts was not missed. Without this
    bound, a start slower than the schedule's interval makes every run defer to the next
    one and none ever executes.
    """
    competing = [r for r in due if r.id != run.id and r.expected_start_time <= claimed_at]
    newest = max([run, *competing], key=lambda r: (r.expected_start_time, str(r.id)))
    return newest, [r for r in competing if r.id != newest.id]


def supersede_missed() -> str | None:
    """After an outage, keep only the newest missed scheduled run of this deployment.

    Every other scheduled run of the deployment that was due when a worker first tried to
    take this one (``newest_missed``) and is not yet running (Scheduled, Late, awaiting the concurrency slot,
    or Pending) is Cancelled with the reason. Returns the reason when this run itself is not
    the newest (the caller ends Cancelled), else None. Only runs the schedule made take part.
    """
    run = deployment_run()
    if run is None or not run.auto_scheduled:
        return None
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        claimed_at = _claimed_at(client, run)
        waiting = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[run.deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(
                    any_=[StateType.SCHEDULED, StateType.PENDING])),
                expected_start_time=FlowRunFilterExpectedStartTime(before_=claimed_at)),
            limit=200)
        newest, cancel = newest_missed(run, [r for r in waiting if r.auto_scheduled], claimed_at)
        if newest.id == run.id and not cancel:
            return None
        reason = (f"superseded by the newer scheduled run {newest.name} "
                  f"(due {newest.expected_start_time:%Y-%m-%d %H:%M:%S} UTC): after an outage "
                  f"only the newest missed run executes")
        for other in cancel:
            client.set_flow_run_state(other.id, Cancelled(message=reason))
            log.info("cancelled %s (due %s): %s", other.name, other.expected_start_time, reason)
    return None if newest.id == run.id else reason
