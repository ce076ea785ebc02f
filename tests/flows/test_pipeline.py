"""The pipeline under a real Prefect server: reports an analyst can query, an HTML report a
browser renders, cached re-runs, retried IO, and two runs at once on one root."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root

pytestmark = pytest.mark.usefixtures("prefect_server")
REPO = Path(__file__).resolve().parents[2]
GENFLOW = str(Path(sys.executable).parent / "genflow")


@pytest.fixture(scope="module")
def pipeline_root(tmp_path_factory, mnist_csv: Path, prefect_server) -> Path:
    root = tmp_path_factory.mktemp("pipeline-root")
    return root


first_run_started: list = []


@pytest.fixture(scope="module")
def first_run(pipeline_root: Path):
    import datetime as dt

    from genflow.flows.pipeline import PipelineConfig, pipeline

    first_run_started.append(dt.datetime.now(dt.UTC))
    return pipeline(PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv"),
                    root=str(pipeline_root))


def test_tables_hold_the_run(first_run, pipeline_root: Path) -> None:
    root = resolve_root(pipeline_root)
    run = first_run.run_id
    metrics = read_table(root, "metrics").to_pylist()
    assert {m["model"] for m in metrics if m["run_id"] == run} == {"pixel", "mlp_gan"}
    fid = [m for m in metrics if m["metric"] == "fid" and m["run_id"] == run]
    # the same N for samples and floor: 64 samples, but the floor half of the 5k sample's
    # 100 test zeros holds only 50 for the pixel model (digit 0)
    assert {m["model"]: m["n"] for m in fid} == {"mlp_gan": 64, "pixel": 50}
    assert all(m["floor"] is not None and m["low"] <= m["value"] <= m["high"] for m in fid)
    assert all(m["verdict"] and m["eval_seed"] == 0 for m in metrics if m["run_id"] == run)
    keys = {b.trained.model: b.trained.key for b in first_run.branches}
    for table in ("metrics", "samples", "neighbours"):  # every row names its exact model
        rows = [r for r in read_table(root, table).to_pylist() if r["run_id"] == run]
        assert rows and all(r["train_key"] == keys[r["model"]] and r["seed"] == 0 for r in rows)
    runs = read_table(root, "runs").to_pylist()
    assert [(r["run_id"], r["status"]) for r in runs] == [(run, "completed")]
    assert '"tensorflow"' in runs[0]["package_versions"]
    samples = read_table(root, "samples")
    assert samples.num_rows == 128 and samples.schema.field("image").type.byte_width == 784
    assert read_table(root, "neighbours").num_rows == 128
    history = read_table(root, "training_history").to_pylist()
    assert {h["metric"] for h in history if h["model"] == "mlp_gan"} >= {"d_loss", "g_loss"}
    # hive folders an analyst can prune on
    assert (pipeline_root / "reports" / "metrics" / f"run_date={runs[0]['run_date']}"
            / "dataset=mnist").is_dir()


def test_runs_row_records_wall_time_per_stage(first_run, pipeline_root: Path) -> None:
    [run] = [r for r in read_table(resolve_root(pipeline_root), "runs").to_pylist()
             if r["run_id"] == first_run.run_id]
    seconds = dict(run["stage_seconds"])
    assert list(first_run.stage_seconds) == ["ingest", "train", "generate", "evaluate", "report"]
    assert seconds == first_run.stage_seconds and all(v > 0 for v in seconds.values())
    wall = (run["finished_at"] - run["started_at"]).total_seconds()
    assert sum(seconds.values()) <= wall + 1  # wall times of sequential stages, not run sums


def test_readme_queries_run_in_duckdb(first_run, pipeline_root: Path) -> None:
    reports = pipeline_root / "reports"
    latest_fid = duckdb.sql(f"""
        SELECT model, dataset, value AS fid, floor, n
        FROM read_parquet('{reports}/metrics/*/*/*.parquet', hive_partitioning=true)
        WHERE metric = 'fid'
        QUALIFY row_number() OVER (PARTITION BY model, dataset ORDER BY run_id DESC) = 1
        ORDER BY model""").fetchall()
    assert [row[0] for row in latest_fid] == ["mlp_gan", "pixel"]
    memorisation = duckdb.sql(f"""
        SELECT run_date, model, avg(is_copy::INT) AS copy_rate, count(*) AS samples
        FROM read_parquet('{reports}/neighbours/*/*/*.parquet', hive_partitioning=true)
        GROUP BY run_date, model ORDER BY run_date, model""").fetchall()
    assert [(row[1], row[3]) for row in memorisation] == [("mlp_gan", 64), ("pixel", 64)]


def test_html_report_renders_in_chromium(first_run, pipeline_root: Path) -> None:
    from tests.conftest import chromium_dom

    html = pipeline_root / first_run.report.html
    dom, loaded, total = chromium_dom(html, pipeline_root / "chromium-profile")
    assert total >= 8 and loaded == total, (loaded, total)
    assert "mlp_gan on mnist" in dom and "real-data floor" in dom
    assert "95 % interval" in dom and "verdict: <b>" in dom
    assert dom.count("data:image/gif") == 1  # mlp_gan's progress animation (pixel has none)
    assert dom.count("<summary>Answer key</summary>") == 2  # E2, one sheet per model
    assert dom.count("Final progress grid") == 2  # every model with grids, always
    assert 'alt="mlp_gan d_output"' in dom  # D's mean output with the 0.5 line
    # the trends page across runs links this run's report and draws every chart
    index, loaded, total = chromium_dom(pipeline_root / "reports" / "index.html",
                                        pipeline_root / "chromium-profile")
    assert total == 2 and loaded == total, (loaded, total)  # pixel and mlp_gan
    assert f'href="html/{first_run.run_id}.html"' in index


def test_cached_rerun_retrains_nothing(first_run, pipeline_root: Path) -> None:
    """Every stage complete: the stored records, and no stage flow run at all."""
    import datetime as dt
    from collections import Counter

    from genflow.flows.pipeline import PipelineConfig, pipeline

    since = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    again = pipeline(PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv"),
                     root=str(pipeline_root))
    elapsed = time.perf_counter() - start
    assert again.run_id != first_run.run_id
    for a, b in zip(first_run.branches, again.branches, strict=True):
        assert a.trained.finished_at == b.trained.finished_at  # the cached record, not a retrain
        assert a.samples.sha256 == b.samples.sha256
        assert a.evaluation.metrics == b.evaluation.metrics
    assert Counter(name for name, _ in _flow_runs(since)) == {"pipeline": 1}
    assert elapsed < 60
    [row] = [r for r in read_table(resolve_root(pipeline_root), "runs").to_pylist()
             if r["run_id"] == again.run_id]
    assert set(dict(row["stage_seconds"])) == {"ingest", "train", "generate", "evaluate", "report"}


def test_a_missing_output_runs_its_stage_again(first_run, pipeline_root: Path,
                                               monkeypatch) -> None:
    """Deleted samples: only that branch's generate flow runs (the same seeded samples, so its
    evaluation is still complete); GENFLOW_ALWAYS_RUN_STAGES=1 starts every stage's flow run,
    each a cache hit."""
    import datetime as dt
    from collections import Counter

    from genflow.core.settings import STAGE_RUNS_ENV
    from genflow.flows.pipeline import PipelineConfig, pipeline

    config = PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv")
    [gan] = [b for b in first_run.branches if b.trained.model == "mlp_gan"]
    (pipeline_root / gan.samples.path).unlink()
    since = dt.datetime.now(dt.UTC)
    again = pipeline(config, root=str(pipeline_root))
    assert Counter(name for name, _ in _flow_runs(since)) == {"pipeline": 1, "generate": 1}
    assert (pipeline_root / gan.samples.path).is_file()
    assert [b.samples.sha256 for b in again.branches] == [
        b.samples.sha256 for b in first_run.branches]
    monkeypatch.setenv(STAGE_RUNS_ENV, "1")
    since = dt.datetime.now(dt.UTC)
    pipeline(config, root=str(pipeline_root))
    assert Counter(name for name, _ in _flow_runs(since)) == {
        "pipeline": 1, "ingest": 1, "train": 2, "generate": 2, "evaluate": 2}


def test_cli_report_prints_the_latest_run(first_run, pipeline_root: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    out = subprocess.run([GENFLOW, "report", "--root", str(pipeline_root)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "fid" in out.stdout and "mlp_gan" in out.stdout
    missing = subprocess.run([GENFLOW, "report", "--run", "nope", "--root", str(pipeline_root)],
                             capture_output=True, text=True, env=env, timeout=120)
    assert missing.returncode == 2 and "run 'nope' not found" in missing.stderr


def test_transient_io_failure_in_reports_is_retried(first_run, pipeline_root: Path) -> None:
    """A file where the metrics table's folder must go makes the first write fail; it is
    removed 1 s later, the task's retry succeeds, and the rows land exactly once."""
    import datetime as dt

    from prefect import flow

    from genflow.tasks.reporting.report_tasks import write_reports

    root = resolve_root(pipeline_root)
    partition = pipeline_root / "reports" / "metrics" / "run_date=2001-01-01"
    partition.parent.mkdir(parents=True, exist_ok=True)
    partition.write_text("in the way")
    timer = threading.Timer(1.0, partition.unlink)
    timer.start()

    @flow
    def report_again():
        return write_reports("20010101T000000Z-retry0", "2001-01-01", "smoke",
                             dt.datetime.now(dt.UTC), first_run.branches, str(pipeline_root),
                             return_state=True)

    state = report_again()
    timer.join()
    assert state.is_completed()
    rows = [m for m in read_table(root, "metrics").to_pylist()
            if m["run_id"] == "20010101T000000Z-retry0"]
    per_run = [m for m in read_table(root, "metrics").to_pylist() if m["run_id"] == first_run.run_id]
    assert len(rows) == len(per_run) > 0  # all rows, none twice


@pytest.mark.slow
def test_two_runs_at_once_keep_their_rows_apart(pipeline_root: Path, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    root = tmp_path / "shared"
    procs = [subprocess.Popen([GENFLOW, "run", "--profile", "smoke", "--models", "pixel",
                               "--source", "csv", "--root", str(root)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    files = list((root / "reports").rglob("*.parquet"))
    assert files and all(pq.read_table(f) is not None for f in files)  # every file readable
    for f in (root / "reports" / "metrics").rglob("*.parquet"):
        assert len(set(pq.read_table(f).column("run_id").to_pylist())) == 1
    runs = read_table(resolve_root(root), "runs").to_pylist()
    assert len(runs) == 2 and {r["status"] for r in runs} == {"completed"}
    by_run = {}
    for m in read_table(resolve_root(root), "metrics").to_pylist():
        by_run.setdefault(m["run_id"], []).append(m["metric"])
    assert len(by_run) == 2 and len({len(v) for v in by_run.values()}) == 1


@pytest.mark.slow
def test_dask_task_runner_runs_branches_in_processes(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL

    from genflow.flows.pipeline import PipelineConfig, pipeline

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())  # the Dask workers' server
    config = PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv",
                            task_runner="dask", concurrency=2)
    result = pipeline(config, root=str(tmp_path))  # the runner comes from the config
    assert result.status == "completed"
    assert {b.trained.model for b in result.branches} == {"pixel", "mlp_gan"}


def _flow_runs(since, names: list[str] | None = None) -> list:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
    )

    async def read():
        async with get_client() as client:
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
                flow_filter=FlowFilter(name=FlowFilterName(any_=names)) if names else None,
                limit=200)
            flows = {f.id: f.name for f in await client.read_flows(limit=200)}
        return [(flows[r.flow_id], r) for r in runs]

    return asyncio.run(read())


def _task_runs(flow_run_id, name: str) -> list:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])), limit=200)
        return [r for r in runs if r.name.startswith(name)]

    return asyncio.run(read())


def test_branches_run_one_at_a_time_by_default(first_run, pipeline_root: Path) -> None:
    """The config's runner (1 thread on a CPU) is applied inside the flow: no overlap."""
    runs = read_table(resolve_root(pipeline_root), "runs").to_pylist()
    flow_run_id = next(r["flow_run_id"] for r in runs if r["run_id"] == first_run.run_id)
    branches = sorted((r.start_time, r.end_time) for r in _task_runs(flow_run_id, "run-branch"))
    assert len(branches) == 2
    assert branches[0][1] <= branches[1][0]


def test_task_and_training_logs_reach_the_flow_runs(first_run) -> None:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    ids = [r.id for _, r in _flow_runs(first_run_started[0])]

    async def read():
        await APILogHandler.aflush()
        async with get_client() as client:
            return await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)), limit=200)

    names = {log.name for log in asyncio.run(read())}
    assert any(n.startswith("genflow.tasks.training") for n in names), names
    assert any(n.startswith("genflow.tasks.evaluation") for n in names), names
