"""A bad night, against a real Prefect server and real process workers (the fault tier).

One server with genflow's automations installed (``genflow automations install``, twice), and
on it, side by side (they mostly wait on heartbeats and schedules):

- kill: a worker's whole process tree SIGKILLed after the training's first checkpoint, a
  second worker on the pool: the run is marked Crashed, rescheduled, resumed from the
  checkpoint on the second worker and completed, within 5 minutes of the kill;
- freeze: the same with SIGSTOP; the frozen attempt, woken after the run completed elsewhere,
  writes nothing and leaves the run Completed;
- hang: a model whose step blocks in native code: the run ends TimedOut at its deadline, is
  rescheduled once, gives up (attempts=1), and the worker's slot is free for the next run;
- gpu: two GPU-pool workers (``--limit 1``) and three trainings: two train at once, the third
  waits; two runs of one training key never train at once;
- outage: a pipeline on a short interval schedule with its worker stopped for several
  intervals: only the newest run due when the worker is back executes (the newest missed one,
  or the next slot's if it came due first), the older ones end Cancelled with the reason, and
  no two runs overlap;
- deadline: the nightly pipeline due with no worker: one "missed its deadline" alert;
- regression: three in-process runs (good, the same again, damaged): one alert per regressed
  headline metric and per newly raised flag, none for the identical re-run.

Every alert goes to a webhook receiver on 127.0.0.1: exactly one per incident, none for the
healthy runs.
"""

from __future__ import annotations

import concurrent.futures
import json
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import start_api_server, stop_api_server
from tests.faults import night
from tests.faults.receiver import Receiver
from tests.flows.test_deployment import BIN, REPO

pytestmark = [pytest.mark.slow, pytest.mark.fault]

DEADLINE_HOURS = 0.01  # 36 s: the pipeline deadline alert of this night
# kill and freeze train side by side (one key, two roots: two slots) on 2 cores; killed after
# the checkpoint at step 150, the resumed attempt trains the other 150 steps
LONG_TRAIN = {"steps": 300, "batch_size": 64, "checkpoint_every": 150, "grid_every": 300}
SHORT_TRAIN = {"steps": 300, "batch_size": 64, "checkpoint_every": 150, "grid_every": 300}


def _train_params(root: Path, model: str = "mlp_gan", train: dict | None = None,
                  limits: dict | None = None) -> dict:
    params = {"request": {"model": model, "profile": "smoke",
                          "overrides": {"train": train or {}}},
              "source": "csv", "root": str(root)}
    if limits:
        params["limits"] = limits
    return params


def _run_dir(root: Path, model: str) -> Path | None:
    found = sorted((root / "models" / model).glob("*/checkpoint.npz"))
    return found[0].parent if found else None


def _wait_checkpoint(root: Path, model: str, timeout: float = 300) -> Path:
    deadline = time.monotonic() + timeout
    while (run := _run_dir(root, model)) is None:
        assert time.monotonic() < deadline, f"no checkpoint of {model} under {root}"
        time.sleep(1)
    return run


def _history_steps(run_dir: Path) -> dict[str, list[int]]:
    table = pq.read_table(run_dir / "history.parquet").to_pylist()
    out: dict[str, list[int]] = {}
    for row in table:
        out.setdefault(row["metric"], []).append(row["step"])
    return out


def _snapshot(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.iterdir()) if p.is_file()}


# scenarios: each returns what its test asserts ---------------------------------------------
def kill_or_freeze(env: dict, tmp: Path, how: str) -> dict:
    """Train on worker 1; after the first checkpoint start worker 2 and kill (or freeze) worker
    1's whole process tree; wait until the run completes."""
    dep = night.deploy_variant(env, tmp / f"deploy-{how}", "train", f"train-{how}", f"pool-{how}")
    root = tmp / f"root-{how}"
    workers = [night.start_worker(env, f"pool-{how}", tmp / f"{how}-worker-1")]
    try:
        return _kill_or_freeze(env, tmp, how, dep, root, workers)
    finally:
        for w in workers:
            night.stop_worker(w)


def _kill_or_freeze(env: dict, tmp: Path, how: str, dep: dict, root: Path, workers: list) -> dict:
    run_id = night.create_run(env, dep, _train_params(root, train=LONG_TRAIN))
    night.wait_state(env, run_id, ("RUNNING",), 240)
    run_dir = _wait_checkpoint(root, "mlp_gan")
    workers.append(night.start_worker(env, f"pool-{how}", tmp / f"{how}-worker-2"))
    w1 = workers[0]
    tree = night.process_tree(w1.pid)
    t0, wall0 = time.monotonic(), time.time()
    night.signal_tree(tree, signal.SIGKILL if how == "kill" else signal.SIGSTOP)
    out = {"run_id": run_id, "run_dir": run_dir, "tree": tree}
    final = night.wait_settled(env, run_id, 420)
    out["seconds"] = time.monotonic() - t0
    out["final"] = final
    history = night.states(env, run_id)
    out["states"] = [s["name"] for s in history]
    # where the seconds went: each state's time after the kill (the resumed attempt's training
    # is the stretch from its Running to Completed)
    out["timeline"] = [(s["name"], round(night.ts(s["timestamp"]) - wall0)) for s in history]
    if how == "freeze":  # wake the frozen attempt after its run completed elsewhere
        out["before_wake"] = _snapshot(run_dir)
        night.signal_tree(tree, signal.SIGCONT)
        flow_pids = [p for p in tree if p != w1.pid]
        deadline = time.monotonic() + 180
        while any(night.alive(p) for p in flow_pids) and time.monotonic() < deadline:
            time.sleep(2)
        out["stale_exited"] = not any(night.alive(p) for p in flow_pids)
        time.sleep(10)
        out["after_wake"] = _snapshot(run_dir)
        out["final_after_wake"] = night.flow_run(env, run_id)
    return out


def hang(env: dict, tmp: Path) -> dict:
    dep = night.deploy_variant(env, tmp / "deploy-hang", "train", "train-hang", "pool-hang")
    root = tmp / "root-hang"
    worker = night.start_worker(env, "pool-hang", tmp / "hang-worker")
    try:
        run_id = night.create_run(env, dep, _train_params(
            root, "hang_gan", limits={"run_seconds": 45, "attempts": 1}))
        final = night.wait_state(env, run_id, ("FAILED", "COMPLETED", "CRASHED"), 400,
                                 name="Failed")
        history = night.states(env, run_id)
        # the worker's one slot is free again: the next training on it completes
        after = night.create_run(env, dep, _train_params(root, "pixel"))
        after_final = night.wait_state(env, after, night.FINAL, 300)
    finally:
        night.stop_worker(worker)
    return {"final": final, "states": history, "after": after_final,
            "checkpoint": _run_dir(root, "hang_gan")}


def gpu_pool(env: dict, tmp: Path) -> dict:
    """Two GPU workers with one slot each; three different trainings and two of one key."""
    dep = night.deploy_variant(env, tmp / "deploy-gpu", "train", "train-gpu", "pool-gpu")
    root = tmp / "root-gpu"
    workers = [night.start_worker(env, "pool-gpu", tmp / f"gpu-worker-{i}") for i in (1, 2)]
    try:
        ids = [night.create_run(env, dep, _train_params(root, train={**SHORT_TRAIN, "seed": s}))
               for s in (1, 2, 3)]
        runs = [night.wait_state(env, i, night.FINAL, 600) for i in ids]
        # long enough that both start while it trains, under CI load too (at 300 steps the
        # second run once started after the first had finished and took the task cache)
        long = {**SHORT_TRAIN, "seed": 9, "steps": 1500, "grid_every": 1500}
        same = [night.create_run(env, dep, _train_params(root, train=long)) for _ in range(2)]
        same_runs = [night.wait_state(env, i, night.FINAL, 600) for i in same]
        # logs reach the server in batches, after the state under load: wait for the one
        # training's and the other run's "trained meanwhile" (or give that 20 s more)
        deadline, seen_training = time.monotonic() + 90, None
        while True:
            same_logs = night.logs_of(env, same)
            if any(m.startswith("training mlp_gan on") for m in same_logs):
                seen_training = seen_training or time.monotonic()
            if (any("trained meanwhile by another run" in m for m in same_logs)
                    or time.monotonic() > min(deadline, (seen_training or deadline) + 20)):
                break
            time.sleep(2)
    finally:
        for w in workers:
            night.stop_worker(w)
    return {"runs": runs, "same": same_runs, "same_logs": same_logs, "root": root}


def _between_slots(env: dict, dep: dict, timeout: float = 300) -> None:
    """Wait until none of ``dep``'s runs is Pending or Running and the next is > 10 s away."""
    deadline = time.monotonic() + timeout
    while True:
        runs = night.deployment_runs(env, dep)
        busy = [r for r in runs if r["state_type"] in ("PENDING", "RUNNING")]
        upcoming = [t for r in runs if r["state_type"] == "SCHEDULED"
                    and (t := night.ts(r["expected_start_time"])) > time.time()]
        if not busy and upcoming and min(upcoming) - time.time() > 10:
            return
        assert time.monotonic() < deadline, [(r["name"], r["state_name"]) for r in busy]
        time.sleep(1)


def outage(env: dict, tmp: Path, interval: int = 45) -> dict:
    """A pipeline every ``interval`` s; its worker runs one slot, then is stopped for three."""
    root = tmp / "root-outage"
    config = {"profile": "smoke", "models": ["pixel"], "source": "csv"}
    dep = night.deploy_variant(env, tmp / "deploy-outage", "pipeline", "pipeline-outage",
                               "pool-outage", schedules=[{"interval": interval}],
                               parameters={"config": config, "root": str(root)})
    worker = night.start_worker(env, "pool-outage", tmp / "outage-worker-1")
    try:
        first_done = None
        deadline = time.monotonic() + 360
        while first_done is None:  # one slot on a good night
            done = [r for r in night.deployment_runs(env, dep) if r["state_type"] == "COMPLETED"]
            first_done = done[0] if done else None
            assert time.monotonic() < deadline, "the first scheduled run never completed"
            time.sleep(3)
        _between_slots(env, dep)  # stop it with nothing of its own in flight
    finally:
        night.stop_worker(worker)
    stopped = time.time()
    time.sleep(3.2 * interval)  # the outage: three or more slots pass
    while True:  # come back well between two slots
        upcoming = [night.ts(r["expected_start_time"]) for r in night.deployment_runs(env, dep)
                    if r["state_type"] == "SCHEDULED" and night.ts(r["expected_start_time"]) > time.time()]
        if upcoming and min(upcoming) - time.time() > 20:
            break
        time.sleep(2)
    back = time.time()
    missed = [r for r in night.deployment_runs(env, dep)
              if stopped < night.ts(r["expected_start_time"]) < back]
    worker = night.start_worker(env, "pool-outage", tmp / "outage-worker-2")
    try:
        deadline = time.monotonic() + 300
        while True:  # every missed run settled, and one run due since the outage completed
            now = {r["id"]: night.flow_run(env, r["id"]) for r in missed}
            since = [r for r in night.deployment_runs(env, dep)
                     if night.ts(r["expected_start_time"]) > stopped]
            if (all(r["state_type"] in night.FINAL for r in now.values())
                    and any(r["state_type"] == "COMPLETED" for r in since)):
                break
            assert time.monotonic() < deadline, "; ".join(
                f"{r['name']} due {r['expected_start_time']}: {r['state_name']} "
                f"({(r.get('state') or {}).get('message')})"
                for r in sorted(since, key=lambda r: r["expected_start_time"]))
            time.sleep(3)
        _between_slots(env, dep)  # a worker stopped mid-submission leaves its run Pending
    finally:
        night.stop_worker(worker)
    # runs that ran (a run cancelled while Scheduled gets start = end and run_count 0)
    ran = [r for r in night.deployment_runs(env, dep)
           if r["start_time"] and r["end_time"] and r["run_count"] > 0]
    return {"missed": [now[r["id"]] for r in missed], "since": since, "ran": ran, "root": root}


def deadline(env: dict, tmp: Path) -> dict:
    """The nightly pipeline (deployed as ``pipeline``) due with no worker to run it."""
    dep = night.deploy_variant(env, tmp / "deploy-deadline", "pipeline", "pipeline",
                               "pool-deadline", parameters={"config": {"profile": "smoke"}})
    run_id = night.create_run(env, dep, {"config": {"profile": "smoke"}})
    t0 = time.monotonic()
    time.sleep(DEADLINE_HOURS * 3600 + 90)  # Late after 15 s, then the deadline, then the alert
    night.api(env, f"/flow_runs/{run_id}/set_state",
              {"state": {"type": "CANCELLED", "message": "test over"}, "force": True})
    return {"run_id": run_id, "waited": time.monotonic() - t0}


def regression(env: dict, tmp: Path) -> dict:
    """In-process runs: a good model, the same again (nothing new), then a damaged one."""
    root = tmp / "root-regression"
    base = ["run", "--profile", "smoke", "--models", "mlp_gan", "--source", "csv",
            "--root", str(root), "--samples", "300"]
    # the smoke profile checkpoints and draws a grid every 2 steps: 600 steps of that took 205 s
    good = ["--set", "mlp_gan.train.steps=300", "--set", "mlp_gan.train.batch_size=64",
            "--set", "mlp_gan.train.checkpoint_every=300", "--set", "mlp_gan.train.grid_every=300"]
    run_ids = []
    for extra in (good, good, ["--set", "mlp_gan.train.steps=4"]):
        out = subprocess.run([str(BIN / "genflow"), *base, *extra], env=env, capture_output=True,
                             text=True, timeout=900)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
        from genflow.storage.parquet import read_table
        from genflow.storage.root import resolve_root

        rows = read_table(resolve_root(str(root)), "metrics").to_pylist()
        run_ids.append(max(r["run_id"] for r in rows))
    from genflow.tasks.reporting.regressions import changes_since_previous

    return {"run_ids": run_ids, "again": changes_since_previous(rows, run_ids[1]),
            "damaged": changes_since_previous(rows, run_ids[2])}


@pytest.fixture(scope="module")
def bad_night(tmp_path_factory, mnist_csv: Path) -> dict:
    tmp = tmp_path_factory.mktemp("night")
    server, env = start_api_server(tmp / "prefect-home")
    env = {**env, "GENFLOW_SAMPLE_CSV": str(mnist_csv), "GENFLOW_CACHE": str(tmp / "cache"),
           "PYTHONPATH": str(REPO), "GENFLOW_MODEL_PLUGINS": "tests.models.hang_model"}
    receiver = Receiver().__enter__()
    try:
        installs = [subprocess.run([str(BIN / "genflow"), "automations", "install", "--webhook",
                                    receiver.url, "--pipeline-deadline-hours", str(DEADLINE_HOURS)],
                                   env=env, capture_output=True, text=True, timeout=120)
                    for _ in range(2)]
        automations = night.api(env, "/automations/filter", {"limit": 50})
        scenarios = {"kill": lambda: kill_or_freeze(env, tmp, "kill"),
                     "freeze": lambda: kill_or_freeze(env, tmp, "freeze"),
                     "hang": lambda: hang(env, tmp),
                     "outage": lambda: outage(env, tmp),
                     "deadline": lambda: deadline(env, tmp)}
        with concurrent.futures.ThreadPoolExecutor(len(scenarios) + 2) as pool:
            futures = {k: pool.submit(f) for k, f in scenarios.items()}
            # The CPU-bound ones (five trainings, three in-process runs) start after the two
            # timed recoveries: beside them, on 2 cores, kill -> completed took 310-346 s
            concurrent.futures.wait([futures["kill"], futures["freeze"]])
            futures["gpu"] = pool.submit(gpu_pool, env, tmp)
            futures["regression"] = pool.submit(regression, env, tmp)
            results = {}
            for k, f in futures.items():
                try:
                    results[k] = f.result()
                except Exception as e:  # reported by that scenario's test
                    results[k] = e
        left = night.api(env, "/flow_runs/filter", {"flow_runs": {"state": {"type": {
            "any_": ["RUNNING", "PENDING", "CANCELLING"]}}}, "limit": 50})
        names = {d["id"]: d["name"] for d in night.api(env, "/deployments/filter", {"limit": 200})}
        left = [{**r, "deployment": names.get(r["deployment_id"]),
                 "history": [(s["name"], s["timestamp"]) for s in night.states(env, r["id"])]}
                for r in left]
        time.sleep(15)  # the last alerts in flight
        yield {"installs": installs, "automations": automations, "left": left,
               "alerts": receiver, **results}
    finally:
        receiver.__exit__()
        stop_api_server(server)


def _result(bad_night: dict, key: str):
    value = bad_night[key]
    if isinstance(value, Exception):
        raise value
    return value


def test_automations_install_once_and_idempotently(bad_night: dict) -> None:
    first, second = bad_night["installs"]
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.count("created") == 6 and second.stdout.count("updated") == 6
    from genflow.flows import alerts
    from genflow.flows.automations import CRASH, RESCHEDULE

    assert sorted(a["name"] for a in bad_night["automations"]) == sorted([
        CRASH, RESCHEDULE, alerts.RUN_ALERT, alerts.LATE_ALERT, alerts.REGRESSION_ALERT,
        alerts.FLAG_ALERT])


def test_every_incident_alerts_once_and_healthy_runs_not_at_all(bad_night: dict) -> None:
    receiver = bad_night["alerts"]
    kill, freeze, hang = (_result(bad_night, k) for k in ("kill", "freeze", "hang"))
    crashed = [a["subject"] for a in receiver.about(kill["run_id"])]
    assert crashed == [f"genflow: {kill['final']['name']} Crashed"]
    assert [a["subject"] for a in receiver.about(freeze["run_id"])] == [
        f"genflow: {freeze['final']['name']} Crashed"]
    hang_run = hang["final"]
    assert sorted(a["subject"] for a in receiver.about(hang_run["id"])) == sorted([
        f"genflow: {hang_run['name']} TimedOut", f"genflow: {hang_run['name']} Failed"])
    healthy = [r["id"] for r in _result(bad_night, "gpu")["runs"] + _result(bad_night, "gpu")["same"]]
    healthy += [r["id"] for r in _result(bad_night, "outage")["missed"]]
    assert [a for rid in healthy for a in receiver.about(rid)] == []
    late = _result(bad_night, "deadline")["run_id"]
    assert [a["subject"] for a in receiver.about(late)] == [
        "genflow: the nightly pipeline missed its deadline"]
    reg = _result(bad_night, "regression")
    assert reg["again"] == ([], [])  # an identical re-run: nothing to alert
    regressions, raised = reg["damaged"]
    assert len(regressions) >= 2, [(r.metric, r.previous, r.current) for r in regressions]
    quality = sorted(a["subject"] for a in receiver.alerts if "regressed" in a["subject"]
                     or "flagged" in a["subject"])
    assert quality == sorted([f"genflow: mlp_gan {r.metric} regressed" for r in regressions]
                             + [f"genflow: mlp_gan flagged {','.join(f.flags)}" for f in raised])
    fid = next(a for a in receiver.alerts if a["subject"] == "genflow: mlp_gan fid regressed")
    assert f"in run {reg['run_ids'][2]}" in fid["body"] and "[" in fid["body"]  # values, intervals
    incidents = 4 + 1 + len(regressions) + len(raised)
    assert len(receiver.alerts) == incidents, [a["subject"] for a in receiver.alerts]
    print(f"alerts: {len(receiver.alerts)} for {incidents} incidents (crash 2, timeout 1, gave up 1, "
          f"deadline 1, regressed {len(regressions)}, flags {len(raised)}); none for "
          f"{len(healthy)} healthy runs and the identical re-run")


def test_a_killed_worker_training_completes_on_another(bad_night: dict) -> None:
    out = _result(bad_night, "kill")
    assert out["final"]["state_type"] == "COMPLETED", out["states"]
    assert "Crashed" in out["states"] and "AwaitingRetry" in out["states"], out["states"]
    assert out["seconds"] < 300, f"{out['seconds']:.0f} s from the kill to completion: {out['timeline']}"
    record = json.loads((out["run_dir"] / "record.json").read_text())
    assert 0 < record["resumed_from"] < record["steps"] == LONG_TRAIN["steps"]  # from the checkpoint
    for metric, steps in _history_steps(out["run_dir"]).items():
        if metric == "n_images":
            continue
        spacing = steps[0]
        assert steps == list(range(spacing, LONG_TRAIN["steps"] + 1, spacing)), metric  # no gap, no repeat
    print(f"kill -> completed: {out['seconds']:.0f} s; states after the kill {out['timeline']}")


def test_a_frozen_worker_is_replaced_and_writes_nothing_when_it_wakes(bad_night: dict) -> None:
    out = _result(bad_night, "freeze")
    assert out["final"]["state_type"] == "COMPLETED", out["states"]
    assert "Crashed" in out["states"], out["states"]
    assert out["seconds"] < 300, f"{out['seconds']:.0f} s from the freeze to completion: {out['timeline']}"
    assert out["stale_exited"], "the woken attempt is still running"
    assert out["after_wake"] == out["before_wake"]  # record, history, checkpoint untouched
    after = out["final_after_wake"]["state"]
    assert after["type"] == "COMPLETED" and after["id"] == out["final"]["state"]["id"]
    print(f"freeze -> completed: {out['seconds']:.0f} s; states after the freeze {out['timeline']}")


def test_a_hung_training_times_out_frees_its_slot_and_gives_up(bad_night: dict) -> None:
    out = _result(bad_night, "hang")
    names = [s["name"] for s in out["states"]]
    assert "TimedOut" in names and names[-1] == "Failed", names
    assert "not trying again" in out["states"][-1]["message"]
    running = next(s for s in out["states"] if s["type"] == "RUNNING")
    timed_out = next(s for s in out["states"] if s["name"] == "TimedOut")
    seconds = night.ts(timed_out["timestamp"]) - night.ts(running["timestamp"])
    assert 45 <= seconds < 90, f"{seconds:.0f} s from start to TimedOut (deadline 45 s)"
    assert out["checkpoint"] is not None  # it hung after its first checkpoint, as designed
    assert out["after"]["state_type"] == "COMPLETED"  # the worker was free again
    print(f"hang -> TimedOut: {seconds:.0f} s; states {names}")


def test_gpu_workers_train_one_each_and_one_key_trains_once(bad_night: dict) -> None:
    out = _result(bad_night, "gpu")
    runs = out["runs"]
    assert all(r["state_type"] == "COMPLETED" for r in runs)
    spans = sorted((night.ts(r["start_time"]), night.ts(r["end_time"])) for r in runs)
    assert spans[1][0] < spans[0][1], "the two workers did not train at once"
    assert spans[2][0] >= min(spans[0][1], spans[1][1]) - 1, "three trained at once"
    assert all(r["state_type"] == "COMPLETED" for r in out["same"])
    logs = out["same_logs"]
    assert sum(m.startswith("training mlp_gan on") for m in logs) == 1, logs  # one key, once
    assert sum("trained meanwhile by another run" in m for m in logs) == 1, logs
    assert len(list((out["root"] / "models" / "mlp_gan").glob("*/record.json"))) == 4


def test_after_an_outage_only_the_newest_missed_run_executes(bad_night: dict) -> None:
    out = _result(bad_night, "outage")
    missed = sorted(out["missed"], key=lambda r: r["expected_start_time"])
    assert len(missed) >= 3, [r["name"] for r in missed]
    # The run that executes is the newest one due when the worker is back: the newest missed
    # one, or the next slot's if that came due before the worker got to them.
    done = sorted((r for r in out["since"] if r["state_type"] == "COMPLETED"),
                  key=lambda r: r["expected_start_time"])
    first = done[0]
    assert first["expected_start_time"] >= missed[-1]["expected_start_time"], first["name"]
    for r in missed:
        if r["id"] == first["id"]:
            continue
        assert r["state_type"] == "CANCELLED", (r["name"], r["state"])
        assert "superseded by the newer scheduled run" in r["state"]["message"]
    executed = [r for r in missed if r["state_type"] == "COMPLETED"]
    assert len(executed) <= 1
    spans = sorted((night.ts(r["start_time"]), night.ts(r["end_time"])) for r in out["ran"])
    assert all(a[1] <= b[0] + 0.5 for a, b in zip(spans, spans[1:], strict=False)), [
        (r["name"], r["state_type"], r["start_time"], r["end_time"]) for r in out["ran"]]
    print(f"outage: {len(missed)} missed runs, {len(executed)} executed, "
          f"{sum(r['start_time'] is not None for r in missed)} started")


def test_no_run_is_left_running(bad_night: dict) -> None:
    assert [(r["name"], r["deployment"], r["history"]) for r in bad_night["left"]] == []
