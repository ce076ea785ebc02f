"""Alerts an operator receives, once per incident: the automations that send them, and the
events a run emits when its models got worse.

A notification block (``genflow-alerts``: a webhook by default; any Prefect notification block,
such as Slack or e-mail, by name) receives:

1. a genflow deployment run that ended Failed, Crashed or TimedOut (one per run and state:
   subflows, which have no deployment, never alert; their parent does);
2. a ``pipeline`` deployment run not Completed by its deadline (hours after it was due or
   started), unless it was Cancelled (a superseded missed run) or already alerted as Failed;
3. ``genflow.metric.regressed``: a headline metric of a model worse beyond its interval than in
   the previous run of the same model, dataset and profile (``genflow compare``'s rule); one
   event, one alert, per metric;
4. ``genflow.verdict.raised``: a verdict flag this run has that the previous run had not.
"""

# No `from __future__ import annotations` here: Dask ships flow modules by value.

import datetime as dt
import logging
from typing import Any

log = logging.getLogger("genflow.flows.alerts")

BLOCK = "genflow-alerts"
REGRESSED = "genflow.metric.regressed"
RAISED = "genflow.verdict.raised"
RUN_ALERT = "genflow: alert on failed, crashed or timed-out runs"
LATE_ALERT = "genflow: alert when the nightly pipeline misses its deadline"
REGRESSION_ALERT = "genflow: alert on a regressed headline metric"
FLAG_ALERT = "genflow: alert on a newly raised verdict flag"
PIPELINE_DEADLINE_HOURS = 6.0


def emit_quality_events(run_id: str, root_url: str) -> int:
    """Emit one event per regressed headline metric and per model with newly raised flags in
    run ``run_id``; the number emitted."""
    from prefect.events import emit_event

    from genflow.storage.parquet import read_table
    from genflow.storage.root import resolve_root
    from genflow.tasks.reporting.regressions import changes_since_previous

    rows = read_table(resolve_root(root_url), "metrics").to_pylist()
    regressions, raised = changes_since_previous(rows, run_id)
    for r in regressions:
        emit_event(event=REGRESSED, resource=_resource(r.model, r.dataset),
                   payload={"run_id": run_id, **r.payload()})
        log.warning("%s on %s: %s regressed, %.4g -> %.4g (run %s -> %s)", r.model, r.dataset,
                    r.metric, r.previous["value"], r.current["value"], r.previous_run, run_id)
    for f in raised:
        emit_event(event=RAISED, resource=_resource(f.model, f.dataset),
                   payload={"run_id": run_id, **f.payload()})
        log.warning("%s on %s: verdict flag(s) %s newly raised (run %s -> %s)", f.model,
                    f.dataset, ",".join(f.flags), f.previous_run, run_id)
    return len(regressions) + len(raised)


def _resource(model: str, dataset: str) -> dict[str, str]:
    return {"prefect.resource.id": f"genflow.model.{model}.{dataset}",
            "prefect.resource.name": model}


def save_webhook_block(url: str) -> Any:
    """The ``genflow-alerts`` webhook block (created or overwritten); its document id."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    block = CustomWebhookNotificationBlock(
        name=BLOCK, url=url, method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}"})
    return block.save(BLOCK, overwrite=True)


def block_document_id(slug: str) -> Any:
    """The id of an existing notification block named ``TYPE/NAME`` (e.g. slack-webhook/ops)."""
    from prefect.blocks.core import Block

    return Block.load(slug)._block_document_id


def definitions(block_id: Any, pipeline_deadline_hours: float = PIPELINE_DEADLINE_HOURS) -> list[Any]:
    """The four alert automations, sending to notification block ``block_id``."""
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    from genflow.flows.automations import TAG

    runs = ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]})
    deployment = ResourceSpecification({"prefect.resource.role": "deployment"})
    genflow = ResourceSpecification({"prefect.resource.role": "tag",
                                     "prefect.resource.id": f"prefect.tag.{TAG}"})
    pipeline = ResourceSpecification({"prefect.resource.role": "deployment",
                                      "prefect.resource.name": "pipeline"})
    models = ResourceSpecification({"prefect.resource.id": ["genflow.model.*"]})
    # the state the event names (the run's current state may already be a reschedule)
    state = "{{ event.resource['prefect.state-name'] }}"
    run_body = ("Flow run {{ flow_run.name }} ({{ flow_run.id }}) of deployment "
                "{{ deployment.name }} ended " + state + ": "
                "{{ event.resource['prefect.state-message'] }}")

    def notify(subject: str, body: str) -> Any:
        return SendNotification(block_document_id=block_id, subject=subject, body=body)

    def on_event(name: str, description: str, event: str, subject: str, body: str) -> Any:
        """One alert per genflow quality event (reactive, one at a time)."""
        return AutomationCore(
            name=name, description=description,
            trigger=EventTrigger(expect={event}, match=models, posture=Posture.Reactive,
                                 threshold=1, within=dt.timedelta(0)),
            actions=[notify(subject, body)])

    deadline = dt.timedelta(hours=pipeline_deadline_hours)
    return [
        AutomationCore(
            name=RUN_ALERT, description="One alert per genflow deployment run that ends Failed, "
                                        "Crashed or TimedOut.",
            trigger=EventTrigger(
                expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed",
                        "prefect.flow-run.TimedOut"},
                match=runs, match_related=[deployment, genflow], posture=Posture.Reactive,
                threshold=1, within=dt.timedelta(0)),
            actions=[notify("genflow: {{ flow_run.name }} " + state, run_body)]),
        AutomationCore(
            name=LATE_ALERT,
            description=f"The pipeline deployment's run not Completed {pipeline_deadline_hours:g} h "
                        f"after it was due (Late) or started.",
            trigger=EventTrigger(
                after={"prefect.flow-run.Late", "prefect.flow-run.Pending"},
                expect={"prefect.flow-run.Completed", "prefect.flow-run.Cancelled",
                        "prefect.flow-run.Failed"},
                match=runs, match_related=[pipeline, genflow], for_each={"prefect.resource.id"},
                posture=Posture.Proactive, threshold=1, within=deadline),
            actions=[notify("genflow: the nightly pipeline missed its deadline",
                            f"Pipeline run {{{{ flow_run.name }}}} ({{{{ flow_run.id }}}}) is not "
                            f"Completed {pipeline_deadline_hours:g} h after it was due or "
                            f"started; it is {{{{ flow_run.state.name }}}}.")]),
        on_event(REGRESSION_ALERT, "One alert per regressed headline metric.", REGRESSED,
                 "genflow: {{ event.payload.model }} {{ event.payload.metric }} regressed",
                 "{{ event.payload.model }} on {{ event.payload.dataset }}: "
                 "{{ event.payload.metric }} {{ event.payload.previous.value }} "
                 "[{{ event.payload.previous.low }}, {{ event.payload.previous.high }}] in run "
                 "{{ event.payload.previous_run }} -> {{ event.payload.current.value }} "
                 "[{{ event.payload.current.low }}, {{ event.payload.current.high }}] in run "
                 "{{ event.payload.run_id }}"),
        on_event(FLAG_ALERT, "One alert per model with a newly raised verdict flag.", RAISED,
                 "genflow: {{ event.payload.model }} flagged {{ event.payload.flags | join(',') }}",
                 "{{ event.payload.model }} on {{ event.payload.dataset }}: verdict "
                 "{{ event.payload.previous_verdict }} in run {{ event.payload.previous_run }} -> "
                 "{{ event.payload.verdict }} in run {{ event.payload.run_id }}"),
    ]
