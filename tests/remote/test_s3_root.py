"""An object-store root against a real S3-compatible server (moto) on 127.0.0.1: every stage
reads and writes the bucket, a killed training resumes from the bucket's checkpoint in another
process, two Dask worker processes write report rows into one bucket, and DuckDB reads them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root
from genflow.storage.runs import RunStore

REPO = Path(__file__).resolve().parents[2]
GENFLOW = str(Path(sys.executable).parent / "genflow")


def _run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([GENFLOW, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_bad_remote_roots_fail_in_one_line(s3_server, tmp_path: Path) -> None:
    missing = _run_cli("report", "--root", "s3://no-such-bucket-genflow/x")
    assert missing.returncode == 2, missing.stderr
    assert missing.stderr.count("\n") == 1
    assert "root s3://no-such-bucket-genflow/x" in missing.stderr
    no_credentials = {k: v for k, v in os.environ.items()
                      if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    no_credentials.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
                          AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_EC2_METADATA_DISABLED="true")
    anonymous = subprocess.run([GENFLOW, "report", "--root", "s3://genflow-test/x"],
                               capture_output=True, text=True, timeout=300, env=no_credentials)
    assert anonymous.returncode == 2 and anonymous.stderr.count("\n") == 1
    assert "root s3://genflow-test/x" in anonymous.stderr
    unknown = _run_cli("report", "--root", "nosuchproto://bucket/x")
    assert unknown.returncode == 2 and "root nosuchproto://bucket/x" in unknown.stderr
    assert not list(tmp_path.iterdir())


def test_paths_cannot_leave_the_prefix(bucket_root: str) -> None:
    from genflow.core.errors import PathEscapeError

    root = resolve_root(bucket_root)
    with pytest.raises(PathEscapeError):
        root.path("..", "elsewhere")
    assert root.path("reports", "x").startswith(root.base + "/")


def _duckdb_over_bucket(s3_server, root_url: str, table: str, sql: str) -> list:
    """DuckDB cannot download httpfs here: read through pyarrow's S3 filesystem instead."""
    import duckdb
    import pyarrow.dataset as pads
    import pyarrow.fs as pafs

    s3 = pafs.S3FileSystem(endpoint_override=f"127.0.0.1:{s3_server['port']}", scheme="http",
                           access_key="genflow-test", secret_key="genflow-test",
                           region="us-east-1")
    dataset = pads.dataset(f"{root_url.removeprefix('s3://')}/reports/{table}", filesystem=s3,
                           format="parquet", partitioning="hive")
    con = duckdb.connect()
    con.register(table, dataset)
    return con.sql(sql).fetchall()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_smoke_pipeline_with_its_root_in_a_bucket(s3_server, bucket_root: str, mnist_csv: Path,
                                                  tmp_path: Path, monkeypatch) -> None:
    from genflow.flows.pipeline import PipelineConfig, pipeline

    monkeypatch.chdir(tmp_path)  # nothing may land in the working folder
    config = PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv")
    first = pipeline(config, root=bucket_root)
    root = resolve_root(bucket_root)
    assert not list(tmp_path.iterdir())
    assert root.exists(first.report.html)
    for b in first.branches:  # models, samples and pictures live in the bucket
        assert root.exists(b.trained.files["sampler"]) and root.exists(b.samples.path)
    assert root.fs.ls(root.path("results"))  # Prefect's cache records share the root
    assert not root.fs.exists(root.path(".staging")) or not root.fs.ls(root.path(".staging"))

    again = pipeline(config, root=bucket_root)  # cached from the bucket: nothing retrains
    for a, b in zip(first.branches, again.branches, strict=True):
        assert a.trained.finished_at == b.trained.finished_at
        assert a.evaluation.metrics == b.evaluation.metrics

    metrics = read_table(root, "metrics").to_pylist()
    assert {m["run_id"] for m in metrics} == {first.run_id, again.run_id}
    rows = _duckdb_over_bucket(s3_server, bucket_root, "metrics", """
        SELECT model, count(*) FROM metrics WHERE metric = 'fid' GROUP BY model ORDER BY model""")
    assert rows == [("mlp_gan", 2), ("pixel", 2)]


@pytest.mark.slow
def test_killed_training_resumes_from_the_bucket(s3_server, bucket_root: str,
                                                 mnist_csv: Path) -> None:
    steps = 30
    store = RunStore.for_run(resolve_root(bucket_root), "dcgan", "mnist", "resume0000000000")

    def worker() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "tests.training.resume_worker",
                                 bucket_root, str(steps), str(mnist_csv)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def checkpoint_step() -> int:
        found = store.load_checkpoint()
        return 0 if found is None else found[0]

    proc = worker()
    deadline = time.monotonic() + 300
    while checkpoint_step() < 10:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "no checkpoint in the bucket within 300 s"
        time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = checkpoint_step()
    assert 10 <= at_kill < steps
    resumed = worker()  # a second process, reading the bucket's checkpoint
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err[-3000:]
    assert f"RESUMED_FROM={at_kill} STEPS={steps}" in out
    # one row per compiled call of 5 iterations (resume_worker's intervals): no gap
    assert sorted({s for s, _, _ in store.read_history()}) == list(range(5, steps + 1, 5))
    z = np.random.default_rng(0).standard_normal((2, 100)).astype(np.float32)
    assert store.load_keras().predict(z, verbose=0).shape == (2, 28, 28, 1)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_two_dask_workers_write_into_one_bucket(s3_server, bucket_root: str, mnist_csv: Path,
                                                monkeypatch) -> None:
    from prefect.settings import PREFECT_API_URL

    from genflow.flows.pipeline import PipelineConfig, pipeline

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())  # the Dask workers' server
    config = PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv",
                            task_runner="dask", concurrency=2)
    result = pipeline(config, root=bucket_root)
    assert {b.trained.model for b in result.branches} == {"pixel", "mlp_gan"}
    root = resolve_root(bucket_root)
    for path in root.fs.find(root.path("reports", "metrics")):
        with root.fs.open(path, "rb") as f:  # one model's rows per file: nothing interleaved
            part = pq.read_table(f)
        assert len(set(part.column("model").to_pylist())) == 1
    metrics = read_table(root, "metrics").to_pylist()
    per_model = {m: sum(r["model"] == m for r in metrics) for m in ("pixel", "mlp_gan")}
    assert per_model == {m: len(b.evaluation.metrics) for b in result.branches
                         for m in [b.trained.model]}
    assert len(read_table(root, "samples")) == 128
