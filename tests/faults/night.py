"""What the bad-night tests do to a real server and real workers: deploy variants of the
project's prefect.yaml deployments on pools of their own, start long-lived process workers,
kill or freeze a worker's whole process tree, and read runs back from the API."""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from tests.flows.test_deployment import BIN, REPO, _prefect

FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def api(env: dict, path: str, body: dict | None = None, method: str | None = None):
    """One API call; a busy server's 503 (SQLite locked under load) is retried, as Prefect's
    own client does."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if env.get("PREFECT_API_AUTH_STRING"):  # a server with an auth string (Basic, as Prefect)
        token = base64.b64encode(env["PREFECT_API_AUTH_STRING"].encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    for attempt in range(10):
        req = urllib.request.Request(env["PREFECT_API_URL"] + path, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                text = resp.read()
            return json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            if e.code not in (429, 503) or attempt == 9:
                raise
        time.sleep(1 + attempt)


_DEPLOYING = threading.Lock()


def deploy_variant(env: dict, folder: Path, base: str, name: str, pool: str,
                   schedules: list | None = None, parameters: dict | None = None) -> dict:
    """The prefect.yaml deployment ``base`` deployed as ``name`` on ``pool`` (created here),
    with ``prefect deploy``, exactly as an operator deploys it; its API record."""
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    [d] = [copy.deepcopy(d) for d in spec["deployments"] if d["name"] == base]
    d["name"], d["work_pool"] = name, {**d["work_pool"], "name": pool}
    d.pop("triggers", None)
    d["schedules"] = schedules or []
    if parameters is not None:
        d["parameters"] = parameters
    spec["deployments"] = [d]
    spec.pop("definitions", None)
    folder.mkdir(parents=True)
    (folder / "prefect.yaml").write_text(yaml.safe_dump(spec))
    with _DEPLOYING:  # one operator deploys one at a time (six at once drew a 503 from SQLite)
        _prefect(env, "work-pool", "create", pool, "--type", "process")
        _prefect(env, "--no-prompt", "deploy", "--all", cwd=folder)
    [dep] = [x for x in api(env, "/deployments/filter", {"limit": 200}) if x["name"] == name]
    return dep


def start_worker(env: dict, pool: str, folder: Path, limit: int | None = 1) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    args = [str(BIN / "prefect"), "worker", "start", "--pool", pool]
    if limit is not None:
        args += ["--limit", str(limit)]
    log = open(folder.parent / f"{folder.name}.log", "ab")  # noqa: SIM115
    return subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def process_tree(pid: int) -> list[int]:
    """``pid`` and every descendant (from /proc): a worker and the flow runs it started, which
    run in sessions of their own."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def signal_tree(pids: list[int], sig: int) -> None:
    for p in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, sig)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_worker(worker: subprocess.Popen) -> None:
    """End a worker and everything it started (whatever state they are in)."""
    tree = process_tree(worker.pid)
    signal_tree(tree, signal.SIGCONT)
    signal_tree(tree, signal.SIGKILL)
    worker.wait(timeout=60)


def create_run(env: dict, deployment: dict, parameters: dict) -> str:
    run = api(env, f"/deployments/{deployment['id']}/create_flow_run", {"parameters": parameters})
    return run["id"]


def flow_run(env: dict, run_id: str) -> dict:
    return api(env, f"/flow_runs/{run_id}")


def states(env: dict, run_id: str) -> list[dict]:
    """The run's state history, oldest first."""
    out = api(env, f"/flow_run_states/?flow_run_id={run_id}", method="GET")
    return sorted(out, key=lambda s: s["timestamp"])


def wait_state(env: dict, run_id: str, types: tuple[str, ...], timeout: float,
               name: str | None = None) -> dict:
    """Poll until the run's state type is one of ``types`` (and named ``name``)."""
    deadline = time.monotonic() + timeout
    while True:
        run = flow_run(env, run_id)
        state = run["state"] or {}
        if state.get("type") in types and (name is None or state.get("name") == name):
            return run
        assert time.monotonic() < deadline, (f"run {run_id} still {state.get('type')} "
                                             f"{state.get('name')}: {state.get('message')}")
        time.sleep(2)


def wait_settled(env: dict, run_id: str, timeout: float, crashed_for: float = 45) -> dict:
    """Like wait_state(FINAL), for a run the recovery automations may reschedule: Crashed is
    only final once it has stayed Crashed for ``crashed_for`` s (the reschedule automation
    turns it into AwaitingRetry within seconds; a poll between the two must not end the wait)."""
    deadline = time.monotonic() + timeout
    crashed_since = None
    while True:
        run = flow_run(env, run_id)
        kind = (run["state"] or {}).get("type")
        if kind == "CRASHED":
            crashed_since = crashed_since or time.monotonic()
            if time.monotonic() - crashed_since >= crashed_for:
                return run
        elif kind in FINAL:
            return run
        else:
            crashed_since = None
        assert time.monotonic() < deadline, f"run {run_id} still {kind}"
        time.sleep(2)


def ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def deployment_runs(env: dict, deployment: dict) -> list[dict]:
    return api(env, "/flow_runs/filter", {
        "flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}, "limit": 200,
        "sort": "EXPECTED_START_TIME_ASC"})


def logs_of(env: dict, run_ids: list[str]) -> list[str]:
    """Log messages of these flow runs and of their subflow runs."""
    ids = list(run_ids)
    for rid in run_ids:
        ids += [r["id"] for r in api(env, "/flow_runs/filter", {
            "flow_runs": {"parent_flow_run_id": {"any_": [rid]}}, "limit": 50})]
    messages: list[str] = []
    while True:
        page = api(env, "/logs/filter", {"logs": {"flow_run_id": {"any_": ids}}, "limit": 200,
                                         "offset": len(messages)})
        messages += [entry["message"] for entry in page]
        if len(page) < 200:
            return messages
