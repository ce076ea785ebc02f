"""The automations a genflow server needs to recover from a bad night by itself, defined once.

Installed (created, or updated in place by name, so re-running changes nothing) with::

    genflow automations install        # against the server PREFECT_API_URL names

1. **Crash silent runs.** Every flow run sends a heartbeat every ``HEARTBEAT_SECONDS`` (the
   deployments set ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` in prefect.yaml). A run that is
   heard from and then stays silent for ``SILENCE_SECONDS`` without reaching a final state
   (its machine died, its worker was SIGKILLed, or its process froze) is marked Crashed.
2. **Reschedule crashed and timed-out genflow runs.** A Crashed or TimedOut run of a genflow
   deployment (train, report, pipeline) is set back to Scheduled ("AwaitingRetry"), so any
   worker of its pool picks it up; training resumes from its checkpoint in the root, the other
   stages are cache hits up to where the run stopped. Only attempts 1 to ``MAX_ATTEMPTS - 1``
   are rescheduled (the event's ``prefect.run-count``): a run that crashes every time ends
   Crashed after ``MAX_ATTEMPTS`` attempts, and one that crashes before its flow even starts
   (run count 0: a broken install) is not rescheduled at all. ``Limits.attempts`` can lower the
   bound per run (``unattended.check_attempt``). Subflow runs have no deployment and are not
   rescheduled: their parent's new attempt runs them again.

Both match genflow's runs only (the ``genflow`` tag: the deployments carry it and the entry
flows pass it on to their subflows), so other flows on the server, and runs started
in-process by a person, are never marked Crashed or rescheduled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from genflow.core.settings import HEARTBEAT_SECONDS  # the one place (prefect.yaml: tested)

SILENCE_SECONDS = 3 * HEARTBEAT_SECONDS  # three missed heartbeats
MAX_ATTEMPTS = 3  # attempts of one deployment run in all, the first included
TAG = "genflow"  # every genflow deployment carries it (prefect.yaml)
CRASH = "genflow: crash flow runs whose heartbeats stopped"
RESCHEDULE = "genflow: reschedule crashed or timed-out genflow runs"
_FINAL = ("Completed", "Failed", "Cancelled", "Crashed", "TimedOut")


def definitions() -> list[Any]:
    """The two automations (AutomationCore: what the API creates and updates)."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore as Automation
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    runs = ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]})
    genflow = ResourceSpecification({"prefect.resource.role": "tag",
                                     "prefect.resource.id": f"prefect.tag.{TAG}"})
    retriable = ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"],
                                       "prefect.run-count": [str(n) for n in range(1, MAX_ATTEMPTS)]})
    crash = Automation(
        name=CRASH,
        description=f"A flow run silent for {SILENCE_SECONDS} s after a heartbeat (every "
                    f"{HEARTBEAT_SECONDS} s) and not finished is marked Crashed.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{s}" for s in _FINAL)},
            match=runs, match_related=genflow, for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1, within=dt.timedelta(seconds=SILENCE_SECONDS)),
        actions=[ChangeFlowRunState(
            state=StateType.CRASHED,
            message=f"no heartbeat for {SILENCE_SECONDS} s: its worker died or froze "
                    f"(genflow's crash automation)")])
    reschedule = Automation(
        name=RESCHEDULE,
        description="A Crashed or TimedOut run of a genflow deployment is scheduled again, "
                    "for any worker of its pool (training resumes from its checkpoint).",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"}, match=retriable,
            match_related=[ResourceSpecification({"prefect.resource.role": "deployment"}), genflow],
            posture=Posture.Reactive, threshold=1, within=dt.timedelta(0)),
        actions=[ChangeFlowRunState(
            state=StateType.SCHEDULED, name="AwaitingRetry",
            message="rescheduled after a crash or a timeout (genflow's recovery automation)")])
    return [crash, reschedule]


def install(webhook: str | None = None, block: str | None = None,
            pipeline_deadline_hours: float | None = None) -> list[tuple[str, str]]:
    """Create or update every definition by name; [(name, "created" | "updated")].

    With ``webhook`` (a URL: saved as the ``genflow-alerts`` block) or ``block`` (an existing
    notification block, ``TYPE/NAME``) the alert automations (``alerts.py``) are installed too.
    Duplicates of a name (made by hand, say) are removed, so exactly one of each remains.
    """
    from prefect.client.orchestration import get_client

    from genflow.flows import alerts

    wanted = definitions()
    if webhook or block:
        block_id = alerts.save_webhook_block(webhook) if webhook else alerts.block_document_id(block)
        wanted += alerts.definitions(block_id, pipeline_deadline_hours or alerts.PIPELINE_DEADLINE_HOURS)
    done = []
    with get_client(sync_client=True) as client:
        for automation in wanted:
            existing = client.read_automations_by_name(automation.name)
            if existing:
                keep, *extra = existing
                client.update_automation(keep.id, automation)
                for other in extra:
                    client.delete_automation(other.id)
                done.append((automation.name, "updated"))
            else:
                client.create_automation(automation)
                done.append((automation.name, "created"))
    return done
