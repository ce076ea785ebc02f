"""Alerts that need their own server: the nightly pipeline missing its deadline, a metric that
regressed and a newly raised flag (``genflow compare``'s rule), each sent once to a webhook
receiver on 127.0.0.1; an identical re-run sends nothing."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.faults import night
from tests.faults.receiver import Receiver
from tests.flows.test_deployment import BIN, REPO, _prefect

pytestmark = [pytest.mark.slow, pytest.mark.fault]


def _genflow(env: dict, *args: str) -> subprocess.CompletedProcess:
    out = subprocess.run([str(BIN / "genflow"), *args], env=env, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out


def test_deadline_regression_and_flag_alerts_fire_once(api_server: dict, tmp_path: Path,
                                                       mnist_csv: Path) -> None:
    env = {**api_server, "GENFLOW_SAMPLE_CSV": str(mnist_csv), "GENFLOW_CACHE": str(tmp_path / "c")}
    root = tmp_path / "root"
    with Receiver() as receiver:
        _genflow(env, "automations", "install", "--webhook", receiver.url,
                 "--pipeline-deadline-hours", "0.01")  # 36 s
        for pool in ("genflow-cpu", "genflow-gpu"):
            _prefect(env, "work-pool", "create", pool, "--type", "process")
        _prefect(env, "--no-prompt", "deploy", "--all", cwd=REPO)
        [pipeline] = [d for d in night.api(env, "/deployments/filter", {"limit": 20})
                      if d["name"] == "pipeline"]
        late = night.create_run(env, pipeline, {"config": {"profile": "smoke"}})  # no worker
        t0 = time.monotonic()
        while not receiver.about(late) and time.monotonic() - t0 < 240:
            time.sleep(2)
        waited = time.monotonic() - t0
        assert [a["subject"] for a in receiver.about(late)] == [
            "genflow: the nightly pipeline missed its deadline"]
        night.api(env, f"/flow_runs/{late}/set_state",
                  {"state": {"type": "CANCELLED", "message": "test over"}, "force": True})

        # A good model, the same again (nothing new), then a damaged one: in-process runs.
        base = ["run", "--profile", "smoke", "--models", "mlp_gan", "--source", "csv",
                "--root", str(root), "--samples", "300"]
        good = ["--set", "mlp_gan.train.steps=600", "--set", "mlp_gan.train.batch_size=64"]
        _genflow(env, *base, *good)
        _genflow(env, *base, *good)
        quiet = len(receiver.alerts)
        _genflow(env, *base, "--set", "mlp_gan.train.steps=4")
        time.sleep(15)

    from genflow.storage.parquet import read_table
    from genflow.storage.root import resolve_root
    from genflow.tasks.reporting.regressions import changes_since_previous

    rows = read_table(resolve_root(str(root)), "metrics").to_pylist()
    last = max(r["run_id"] for r in rows)
    regressions, raised = changes_since_previous(rows, last)
    assert quiet == 1  # the identical re-run alerted nothing (only the deadline alert so far)
    assert len(regressions) >= 2, [(r.metric, r.previous, r.current) for r in regressions]
    subjects = sorted(a["subject"] for a in receiver.alerts[1:])
    assert subjects == sorted([f"genflow: mlp_gan {r.metric} regressed" for r in regressions]
                              + [f"genflow: mlp_gan flagged {','.join(f.flags)}" for f in raised])
    fid = next(a for a in receiver.alerts if a["subject"] == "genflow: mlp_gan fid regressed")
    assert f"in run {last}" in fid["body"] and "[" in fid["body"]  # both values and intervals
    print(f"deadline alert {waited:.0f} s after the run was due; {len(regressions)} regressed "
          f"metrics, {len(raised)} flag alerts; 0 for the identical re-run")
