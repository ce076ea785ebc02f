"""End to end against a real Prefect server on 127.0.0.1: the project's prefect.yaml deploys,
a smoke training run executes on a process worker, its genflow.model.trained event triggers
the report deployment, and the triggered run completes and leaves its Parquet rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _prefect(env: dict, *args: str, timeout: int = 600, cwd: Path = REPO) -> str:
    out = subprocess.run([str(BIN / "prefect"), *args], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, f"prefect {' '.join(args)}:\n{out.stdout[-3000:]}{out.stderr[-3000:]}"
    return out.stdout


def _api(env: dict, path: str, body: dict) -> list:
    req = urllib.request.Request(env["PREFECT_API_URL"] + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _count(env: dict, deployment_id: str) -> list:
    return _api(env, "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [deployment_id]}},
                                           "limit": 50})


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 60 s: no worker outlives its test."""
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def wait_for_run(env: dict, deployment_id: str, what: str, timeout: float = 600) -> list:
    """The deployment's runs once its newest has finished; it must have completed."""
    deadline = time.monotonic() + timeout
    while True:
        runs = _count(env, deployment_id)
        if runs and runs[0]["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED"):
            assert runs[0]["state"]["type"] == "COMPLETED", runs[0]["state"]
            return runs
        assert time.monotonic() < deadline, what
        time.sleep(3)


def _logs(env: dict, flow_run_ids: list[str]) -> list[dict]:
    return _api(env, "/logs/filter", {"logs": {"flow_run_id": {"any_": flow_run_ids}},
                                      "limit": 200})


def test_one_training_yields_exactly_one_report(api_server: dict, tmp_path: Path, mnist_csv: Path) -> None:
    """Deployed from a folder that is not the repository (no machine-bound path), with a
    long-lived worker: one training run with overrides emits one event, which triggers one
    report run that scores that exact model; nothing more arrives in the following minutes."""
    env = {**api_server, "GENFLOW_SAMPLE_CSV": str(mnist_csv)}
    root = tmp_path / "root"
    elsewhere = tmp_path / "deploy-from-here"
    elsewhere.mkdir()
    (elsewhere / "prefect.yaml").write_bytes((REPO / "prefect.yaml").read_bytes())
    for pool in ("genflow-cpu", "genflow-gpu"):  # the README's commands, in its order
        _prefect(env, "work-pool", "create", pool, "--type", "process")
    genflow = subprocess.run([str(BIN / "genflow"), "automations", "install"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert genflow.returncode == 0, genflow.stderr[-2000:]
    _prefect(env, "--no-prompt", "deploy", "--all", cwd=elsewhere)
    deployments = {d["name"]: d for d in _api(env, "/deployments/filter", {"limit": 50})}
    assert set(deployments) == {"pipeline", "ingest", "train", "report"}
    assert {n: d["work_pool_name"] for n, d in deployments.items()} == {
        "pipeline": "genflow-cpu", "ingest": "genflow-cpu", "report": "genflow-cpu",
        "train": "genflow-gpu"}
    assert deployments["pipeline"]["global_concurrency_limit"]["limit"] == 1
    assert all(not d["pull_steps"] and str(REPO) not in json.dumps(d) for d in deployments.values())
    schedule = deployments["pipeline"]["schedules"][0]["schedule"]
    assert schedule["cron"] == "0 2 * * *" and schedule["timezone"] == "Asia/Seoul"
    automations = _api(env, "/automations/filter", {"limit": 50})
    assert any(a["trigger"].get("expect") == ["genflow.model.trained"] for a in automations)

    workers = []
    for pool, limit in (("genflow-gpu", ["--limit", "1"]), ("genflow-cpu", [])):
        worker_dir = tmp_path / f"worker-{pool}"
        worker_dir.mkdir()
        workers.append(subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", pool, *limit], cwd=worker_dir,
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    try:
        overrides = {"train": {"classes": [1]}}  # a digit-1 model, not the default digit 0
        params = {"request": {"model": "pixel", "profile": "smoke", "overrides": overrides},
                  "source": "csv", "root": str(root)}
        _prefect(env, "deployment", "run", "train-run/train", "--params", json.dumps(params))
        train_id, report_id = deployments["train"]["id"], deployments["report"]["id"]
        # the train run, then the report run its event triggers, both complete
        reports = wait_for_run(env, report_id, "no report run completed")
        # A pipeline run reports what it trains itself: its trainings trigger no report run.
        pipeline_params = {"config": {"profile": "smoke", "models": ["pixel"], "source": "csv",
                                      "overrides": {"pixel": {"train": {"seed": 5}}}},
                           "root": str(root)}
        _prefect(env, "deployment", "run", "pipeline/pipeline", "--params",
                 json.dumps(pipeline_params))
        wait_for_run(env, deployments["pipeline"]["id"], "the pipeline run did not finish")
        # the workers keep polling (every 10 s): for several more polls nothing else arrives,
        # neither a second report of the training nor one of the pipeline's
        quiet_until = time.monotonic() + 45
        while time.monotonic() < quiet_until:
            assert len(_count(env, report_id)) == 1 and len(_count(env, train_id)) == 1
            time.sleep(5)
    finally:
        for worker in workers:
            stop_worker(worker)

    params = reports[0]["parameters"]
    assert params["model"] == "pixel" and params["root"] == str(root)
    assert params["overrides"] == overrides  # a dict, as the event's payload carried it
    records = [json.loads(p.read_text()) for p in (root / "models" / "pixel").glob("*/record.json")]
    [trained] = [r for r in records if r["key"] == params["train_key"]]  # the report's model
    assert json.loads(trained["spec_json"])["train"]["classes"] == [1]  # ... with the overrides
    runs = read_table(resolve_root(root), "runs").to_pylist()
    # the training's own run, the report it triggered, the pipeline
    assert sorted(r["status"] for r in runs) == ["completed"] * 3
    [report_run] = [r for r in runs
                    if json.loads(r["config_json"]).get("overrides") == {"pixel": overrides}]
    history = read_table(resolve_root(root), "training_history").to_pylist()
    assert {h["train_key"] for h in history if h["run_id"] == report_run["run_id"]} == {trained["key"]}
    metrics = read_table(resolve_root(root), "metrics").to_pylist()
    assert any(m["metric"] == "fid" and m["run_id"] == report_run["run_id"] for m in metrics)

    # Task and training log lines reach the flow run's logs (UI, worker console).
    parent = _count(env, deployments["train"]["id"])[0]["id"]
    stages = _api(env, "/flow_runs/filter", {"flow_runs": {"parent_flow_run_id": {"any_": [parent]}},
                                             "limit": 10})
    names = {entry["name"] for entry in _logs(env, [parent] + [r["id"] for r in stages])}
    assert any(n.startswith("genflow.tasks.training") for n in names), names
    assert any(n.startswith("genflow.tasks.data") for n in names), names
