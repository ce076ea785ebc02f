"""docs/scale-out.md, command by command, on one machine: a Prefect server on 127.0.0.1, a real
S3-compatible server as the shared bucket, a "GPU" and a "CPU" work pool, and one long-lived
worker per pool in folders of their own (two machines that share only the server and the
bucket). One training on the GPU pool triggers one report on the CPU pool; both read and write
the bucket only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root
from tests.flows.test_deployment import BIN, REPO, _api, _count, _prefect, stop_worker, wait_for_run

pytestmark = pytest.mark.slow


def _worker(pool: str, folder: Path, env: dict, *extra: str) -> subprocess.Popen:
    folder.mkdir()
    return subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", pool, *extra],
                            cwd=folder,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def test_scale_out_guide(api_server: dict, s3_server, bucket_root: str, tmp_path: Path,
                         mnist_csv: Path) -> None:
    env = {**api_server, **s3_server["env"], "GENFLOW_HOME": bucket_root,
           "GENFLOW_SAMPLE_CSV": str(mnist_csv), "GENFLOW_CACHE": str(tmp_path / "cache")}
    _prefect(env, "work-pool", "create", "genflow-cpu", "--type", "process")
    _prefect(env, "work-pool", "create", "genflow-gpu", "--type", "process")
    out = subprocess.run([str(BIN / "genflow"), "automations", "install"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.count("created") == 2, out.stderr[-2000:]
    _prefect(env, "--no-prompt", "deploy", "--all")
    deployments = {d["name"]: d for d in _api(env, "/deployments/filter", {"limit": 50})}
    pools = {name: d["work_pool_name"] for name, d in deployments.items()}
    assert pools == {"pipeline": "genflow-cpu", "ingest": "genflow-cpu", "report": "genflow-cpu",
                     "train": "genflow-gpu"}

    workers = [_worker("genflow-gpu", tmp_path / "gpu-machine", env, "--limit", "1"),
               _worker("genflow-cpu", tmp_path / "cpu-machine", env)]
    try:
        params = {"request": {"model": "pixel", "profile": "smoke"}, "source": "csv",
                  "root": bucket_root}
        _prefect(env, "deployment", "run", "train-run/train", "--params", json.dumps(params))
        reports = wait_for_run(env, deployments["report"]["id"], "no report run completed")
    finally:
        for w in workers:
            stop_worker(w)
    assert reports[0]["work_pool_name"] == "genflow-cpu"
    [trained] = _count(env, deployments["train"]["id"])
    assert trained["work_pool_name"] == "genflow-gpu" and trained["state"]["type"] == "COMPLETED"

    root = resolve_root(bucket_root)
    metrics = read_table(root, "metrics").to_pylist()
    assert {m["model"] for m in metrics} == {"pixel"} and any(m["metric"] == "fid" for m in metrics)
    runs = read_table(root, "runs").to_pylist()  # the training's own run and the report's
    assert [r["status"] for r in runs] == ["completed", "completed"]
    html = [p for p in root.fs.find(root.path("reports", "html")) if p.endswith(".html")]
    assert len(html) == 1
    # Nothing landed in either "machine's" folder: the bucket is the only shared state.
    for folder in ("gpu-machine", "cpu-machine"):
        assert not list((tmp_path / folder).iterdir())
    assert not (REPO / "s3:").exists()
