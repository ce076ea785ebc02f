"""The whole chain: ingest once per dataset, then train -> generate -> evaluate per model x
dataset branch, then the reports. Stages pass references (paths, hashes, run ids), never arrays.

Branches are tasks submitted to the task runner that the config names, in every entry point
(CLI, deployment, Python call): a thread pool of ``concurrency`` workers (1 by default: on a
CPU TensorFlow already uses every core, and Keras's seed is per process) or Dask
(``task_runner="dask"``: a LocalCluster of processes, or an existing scheduler by address).

Every branch's config is checked before anything trains. A branch that fails at run time does
not lose the others: they are reported, the failure is recorded in the runs table and the HTML
report, and the flow run then ends Failed so operators' alerts fire.
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

import datetime as dt
import time
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.context import get_run_context
from pydantic import BaseModel, Field

from genflow.core.errors import GenflowError, Superseded, caused_by
from genflow.flows.alerts import emit_quality_events
from genflow.flows.chain import ingest_datasets, run_model
from genflow.flows.config import CEILING, PipelineConfig, limits_for
from genflow.flows.unattended import (
    check_attempt,
    deadline,
    ensure_current_attempt,
    genflow_tags,
    is_timeout,
    step_aside,
    supersede_missed,
    timed_out,
)
from genflow.flows.versions import check_deployment_version
from genflow.storage.root import resolve_root
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.evaluation.config import eval_config_for
from genflow.tasks.logs import forward_logs
from genflow.tasks.reporting.records import BranchFailure, BranchResult, ReportRecord
from genflow.tasks.reporting.report_tasks import record_run, write_reports
from genflow.tasks.reporting.stage_times import merge, stage_seconds
from genflow.tasks.reporting.tables import new_run_id
from genflow.tasks.training.request import ModelRequest

STAGES = ("ingest", "train", "generate", "evaluate", "report")


class PipelineResult(BaseModel):
    """A completed run (a run with failed branches raises BranchesFailed instead)."""

    run_id: str
    status: str
    report: ReportRecord
    branches: list[BranchResult]
    stage_seconds: dict[str, float] = Field(default_factory=dict)


class BranchesFailed(GenflowError):
    """Some branches failed at run time; the others were reported."""


@task(name="run-branch")
def run_branch(request: ModelRequest, data: list[SplitRecord], config: PipelineConfig,
               root_url: str) -> BranchResult:
    """train -> generate -> evaluate of one model on one dataset (each stage once)."""
    evaluation = eval_config_for(config.profile, extractor=config.extractor,
                                 inception_weights=config.inception_weights)
    out = run_model(request, data, root_url, "evaluate", n=config.samples, seed=config.seed,
                    evaluation=evaluation, source=config.source, caller="pipeline",
                    limits=limits_for(config.profile, config.limits))
    return BranchResult(trained=out.trained, samples=out.samples, evaluation=out.evaluation,
                        spans=out.spans)


def task_runner_for(config: PipelineConfig) -> Any:
    """The task runner the config names (used by the flow body itself, so a deployment run
    behaves exactly like the CLI)."""
    if config.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if config.dask_address:
            return DaskTaskRunner(address=config.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": config.concurrency,
                                              "threads_per_worker": 1, "processes": True})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=config.concurrency)


def run_branches(config: PipelineConfig, requests: list[ModelRequest],
                 data: dict[str, list[SplitRecord]],
                 root_url: str) -> tuple[list[BranchResult], list[BranchFailure]]:
    """Every branch through the config's task runner; failures are collected, not raised."""
    logger = get_run_logger()
    results, failures = [], []
    with task_runner_for(config) as runner:
        futures = [(r, runner.submit(run_branch, parameters={
            "request": r, "data": data[r.spec().dataset], "config": config, "root_url": root_url}))
            for r in requests]
        for request, future in futures:
            try:
                results.append(future.result())
            except Exception as e:  # one branch's failure must not lose the others' work
                if caused_by(e, Superseded):
                    raise  # this whole attempt is stale: nothing of it may be reported
                dataset = request.spec().dataset
                failures.append(BranchFailure(model=request.model, dataset=dataset,
                                              error=f"{type(e).__name__}: {e}"[:2000]))
                logger.error("branch %s on %s failed: %s", request.model, dataset, e)
    return results, failures


def finish_run(run_id: str, started: dt.datetime, config: PipelineConfig,
               results: list[BranchResult], failures: list[BranchFailure],
               root_url: str, spans: dict | None = None) -> PipelineResult:
    """Reports for every finished branch, the runs row (with per-stage wall times), the Prefect
    artifacts; raises BranchesFailed (after writing all of that) when any branch failed."""
    logger = get_run_logger()
    ensure_current_attempt()  # a stale attempt (frozen, then rescheduled) reports nothing
    art = resolve_root(root_url)
    run_date = f"{started:%Y-%m-%d}"
    flow_run_id = str(get_run_context().flow_run.id)
    t0 = time.time()
    report = write_reports(run_id, run_date, config.profile, started, results, art.url, failures)
    all_spans = merge(spans or {}, *(b.spans for b in results), {"report": [(t0, time.time())]})
    seconds = stage_seconds(all_spans)
    for stage in STAGES:
        if stage in seconds:
            logger.info("stage %-8s %8.1f s wall (%d calls)", stage, seconds[stage],
                        len(all_spans[stage]))
    error = "; ".join(f"{f.label}: {f.error}" for f in failures)[:2000] or None
    status = "failed" if failures else "completed"
    record_run(run_id, run_date, flow_run_id, config.profile, config.model_dump_json(), started,
               status, error, art.url, seconds)
    try:  # regressions and new flags since each model's previous run: the alerts' events
        emit_quality_events(run_id, art.url)
    except Exception as e:  # an alert that cannot be computed must not fail a finished run
        logger.error("could not compare run %s with the previous runs: %s", run_id, e)
    _artifacts(run_id, report, results, art.url_of(report.html))
    logger.info("report: %s", art.url_of(report.html))
    if failures:
        raise BranchesFailed(f"{len(failures)} of {len(failures) + len(results)} branches failed "
                             f"({error}); the others are reported in {art.url_of(report.html)}")
    return PipelineResult(run_id=run_id, status=status, report=report, branches=results,
                          stage_seconds=seconds)


def record_failed_run(run_id: str, started: dt.datetime, config: PipelineConfig, error: BaseException,
                      root_url: str) -> None:
    """The runs row of a run that failed as a whole; never hides ``error`` behind its own."""
    try:
        record_run(run_id, f"{started:%Y-%m-%d}", str(get_run_context().flow_run.id),
                   config.profile, config.model_dump_json(), started, "failed",
                   f"{type(error).__name__}: {error}"[:2000], root_url)
    except Exception as e:  # the original error is what the operator must see
        get_run_logger().error("could not record the failed run %s: %s", run_id, e)


@flow(name="pipeline", log_prints=False, timeout_seconds=CEILING.run_seconds)
def pipeline(config: PipelineConfig | None = None, root: str | None = None) -> PipelineResult:
    """Run every requested branch and write the reports; the runs table records the outcome
    (completed or failed) either way.

    As a scheduled deployment run: after an outage only the newest missed run executes (the
    older ones end Cancelled, this one too when it is not the newest), and the run is bounded
    by ``config.limits`` (attempts, a hard deadline, stage timeouts)."""
    forward_logs()
    check_deployment_version()  # a worker on other code refuses before anything runs
    config = config or PipelineConfig()
    logger = get_run_logger()
    superseded = supersede_missed()
    if superseded:
        from prefect.states import Cancelled

        logger.info("not running: %s", superseded)
        return Cancelled(message=superseded)
    art = resolve_root(root)
    started = dt.datetime.now(dt.UTC)
    run_id = new_run_id(started)
    limits = limits_for(config.profile, config.limits)
    logger.info("pipeline run %s (%s profile) under %s", run_id, config.profile, art.url)
    try:
        check_attempt(limits.attempts)
        with deadline(limits.run_seconds, f"pipeline run {run_id}"), genflow_tags():
            requests = config.check()
            t0 = time.time()
            data = ingest_datasets([r.spec().dataset for r in requests], config.source, art.url,
                                   seconds=limits.ingest_seconds)
            spans = {"ingest": [(t0, time.time())]}
            results, failures = run_branches(config, requests, data, art.url)
            return finish_run(run_id, started, config, results, failures, art.url, spans)
    except BranchesFailed:
        raise  # finish_run recorded it, with every other branch reported
    except Exception as e:  # the runs row (same part name: it replaces a "completed" one)
        step_aside(e)
        record_failed_run(run_id, started, config, e, art.url)
        if is_timeout(e):
            return timed_out(e)
        raise


def _artifacts(run_id: str, report: ReportRecord, results: list[BranchResult], html: str) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    rows = [{"model": b.trained.model, "dataset": b.trained.dataset, "metric": m["metric"],
             "value": float(m["value"]), "floor": None if m["floor"] is None else float(m["floor"]),
             "n": int(m["n"])} for b in results for m in b.evaluation.metrics]
    create_table_artifact(rows, key="genflow-metrics", description=f"metrics of run {run_id}")
    links = "\n".join(f"- `{name}`: `{path}`" for name, path in sorted(report.tables.items()))
    create_markdown_artifact(f"# genflow run {run_id}\n\nHTML report: `{html}`\n\n"
                             f"Parquet tables (hive-partitioned):\n{links}\n",
                             key="genflow-report", description=f"report of run {run_id}")
