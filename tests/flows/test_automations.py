"""The recovery automations' definitions and prefect.yaml agree (no server needed); the
fault tier (tests/faults) runs them against a real server and real workers."""

from __future__ import annotations

from pathlib import Path

import yaml

from genflow.flows import automations

REPO = Path(__file__).resolve().parents[2]


def _deployments() -> dict[str, dict]:
    return {d["name"]: d for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]}


def test_every_deployment_heartbeats_as_often_as_the_crash_automation_expects() -> None:
    for name, d in _deployments().items():
        env = d["work_pool"]["job_variables"]["env"]
        assert int(env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"]) == automations.HEARTBEAT_SECONDS, name
        assert automations.TAG in d["tags"], name  # the reschedule automation matches the tag
    assert automations.SILENCE_SECONDS >= 3 * automations.HEARTBEAT_SECONDS


def test_training_goes_to_the_gpu_pool_and_the_rest_to_the_cpu_pool() -> None:
    pools = {name: d["work_pool"]["name"] for name, d in _deployments().items()}
    assert pools == {"pipeline": "genflow-cpu", "ingest": "genflow-cpu", "train": "genflow-gpu",
                     "report": "genflow-cpu"}
    pipeline = _deployments()["pipeline"]
    assert pipeline["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
    assert "gpu" not in _deployments()["train"]["tags"]  # no server-wide tag limit


def test_the_definitions_crash_silent_runs_and_reschedule_only_genflow_deployment_runs() -> None:
    crash, reschedule = automations.definitions()
    assert crash.trigger.posture == "Proactive"
    assert crash.trigger.within.total_seconds() == automations.SILENCE_SECONDS
    assert crash.actions[0].state == "CRASHED"
    assert reschedule.trigger.expect == {"prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"}
    roles = [r.root.get("prefect.resource.role") for r in reschedule.trigger.match_related]
    assert roles == ["deployment", "tag"]
    assert reschedule.actions[0].state == "SCHEDULED" and reschedule.actions[0].name == "AwaitingRetry"


def test_the_alerts_cover_runs_deadlines_regressions_and_flags() -> None:
    import uuid

    from genflow.flows import alerts

    run, late, regressed, flagged = alerts.definitions(uuid.uuid4(), pipeline_deadline_hours=2)
    assert run.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed",
                                  "prefect.flow-run.TimedOut"}
    assert [r.root.get("prefect.resource.role") for r in run.trigger.match_related] == ["deployment", "tag"]
    assert late.trigger.posture == "Proactive" and late.trigger.within.total_seconds() == 7200
    assert "prefect.flow-run.Cancelled" in late.trigger.expect  # a superseded run is no incident
    assert regressed.trigger.expect == {alerts.REGRESSED} and flagged.trigger.expect == {alerts.RAISED}
    assert "{{ event.payload.previous.low }}" in regressed.actions[0].body  # both intervals
    assert [a.name for a in (run, late, regressed, flagged)] == [
        alerts.RUN_ALERT, alerts.LATE_ALERT, alerts.REGRESSION_ALERT, alerts.FLAG_ALERT]
