"""End to end against a real Prefect server on 127.0.0.1: the project's prefect.yaml deploys,
a smoke training run executes on a process worker, its genflow.model.trained event triggers
the report deployment, and the triggered run completes and leaves its Parquet rows."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from storage.parquet import read_table
from storage.root import resolve_root

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PREFECT_API_URL=f"http://127.0.0.1:{port}/api")
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(1)
    yield env
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)


def _prefect(env: dict, *args: str, timeout: int = 600) -> str:
    out = subprocess.run([str(BIN / "prefect"), *args], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, f"prefect {' '.join(args)}:\n{out.stdout[-3000:]}{out.stderr[-3000:]}"
    return out.stdout


def _api(env: dict, path: str, body: dict) -> list:
    req = urllib.request.Request(env["PREFECT_API_URL"] + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def test_train_completion_triggers_report(server: dict, tmp_path: Path, mnist_csv: Path) -> None:
    env = {**server, "GENFLOW_PROJECT_DIR": str(REPO), "GENFLOW_SAMPLE_CSV": str(mnist_csv)}
    root = tmp_path / "root"
    _prefect(env, "work-pool", "create", "genflow-process", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--all")
    deployments = {d["name"]: d for d in _api(env, "/deployments/filter", {"limit": 50})}
    assert set(deployments) == {"pipeline", "ingest", "train", "report"}
    schedule = deployments["pipeline"]["schedules"][0]["schedule"]
    assert schedule["cron"] == "0 2 * * *" and schedule["timezone"] == "Asia/Seoul"
    automations = _api(env, "/automations/filter", {"limit": 50})
    assert any(a["trigger"].get("expect") == ["genflow.model.trained"] for a in automations)

    params = {"model": "pixel", "profile": "smoke", "source": "csv", "root": str(root)}
    _prefect(env, "deployment", "run", "train/train", "--params", json.dumps(params))
    _prefect(env, "worker", "start", "--pool", "genflow-process", "--run-once")

    report_id = deployments["report"]["id"]
    deadline = time.monotonic() + 120
    while True:  # the server's trigger service turns the event into a report flow run
        runs = _api(env, "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [report_id]}},
                                               "limit": 5})
        if runs:
            break
        assert time.monotonic() < deadline, "no report run was triggered"
        time.sleep(2)
    assert runs[0]["parameters"]["model"] == "pixel" and runs[0]["parameters"]["root"] == str(root)
    _prefect(env, "worker", "start", "--pool", "genflow-process", "--run-once")
    run = _api(env, "/flow_runs/filter", {"flow_runs": {"id": {"any_": [runs[0]["id"]]}}})[0]
    assert run["state"]["type"] == "COMPLETED", run["state"]
    metrics = read_table(resolve_root(root), "metrics").to_pylist()
    assert {m["model"] for m in metrics} == {"pixel"} and any(m["metric"] == "fid" for m in metrics)
    assert [r["status"] for r in read_table(resolve_root(root), "runs").to_pylist()] == ["completed"]
