"""The whole chain: ingest -> train -> generate -> evaluate for every model x dataset, then the
reports. Stages pass references (paths, hashes, run ids), never arrays.

Branches (model x dataset) are tasks submitted to the flow's task runner: a thread pool
(``concurrency`` workers; 1 by default on a CPU, where TensorFlow already uses every core and
training in threads would share Keras's global seed) or Dask (``task_runner="dask"``: a
LocalCluster of processes, or an existing scheduler by address).
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

import datetime as dt
import uuid
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.context import get_run_context
from prefect.transactions import CommitMode, transaction
from pydantic import BaseModel, ConfigDict, Field

from flows.evaluate import evaluate
from flows.generate import generate
from flows.ingest import ingest
from flows.train import train
from storage.root import resolve_root
from tasks.data.config import IngestConfig
from tasks.evaluation.config import eval_config_for
from tasks.models.config import MODEL_NAMES
from tasks.models.registry import MODEL_DATA
from tasks.reporting.records import BranchResult, ReportRecord
from tasks.reporting.report_tasks import record_run, write_reports


class PipelineConfig(BaseModel):
    """What a pipeline run does (a Prefect flow parameter; deployments give deltas).

    Attributes:
        profile: "smoke", "quick" (CPU default) or "lecture" (default with a GPU).
        models: models to run (default all six).
        datasets: datasets to run each model on (default: the lecture's dataset per model).
        overrides: per model config deltas, {"dcgan": {"train": {"steps": 500}}}.
        samples: samples per model (default by profile).
        concurrency: branches run at once by the thread-pool task runner.
        task_runner: "threads" or "dask".
        dask_address: an existing Dask scheduler (else a LocalCluster of processes).
    """

    model_config = ConfigDict(extra="forbid")

    profile: Literal["smoke", "quick", "lecture"] = "quick"
    models: list[str] = Field(default_factory=lambda: list(MODEL_NAMES))
    datasets: list[Literal["mnist", "fashion_mnist"]] | None = None
    overrides: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)
    samples: int | None = Field(default=None, ge=2)
    seed: int = 0
    source: Literal["auto", "tfds", "idx", "csv"] = "auto"
    extractor: Literal["domain", "inception"] = "domain"
    inception_weights: str | None = None
    concurrency: int = Field(default=1, ge=1, le=16)
    task_runner: Literal["threads", "dask"] = "threads"
    dask_address: str | None = None

    def branches(self) -> list[tuple[str, str]]:
        unknown = [m for m in self.models if m not in MODEL_NAMES]
        if unknown:
            from genflow.errors import ConfigError

            raise ConfigError(f"models {unknown} are not among {', '.join(MODEL_NAMES)}")
        return [(m, d) for m in self.models for d in (self.datasets or [MODEL_DATA[m][0]])]


class PipelineResult(BaseModel):
    run_id: str
    status: str
    report: ReportRecord
    branches: list[BranchResult]


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@task(name="run-branch")
def run_branch(model: str, dataset: str, config: PipelineConfig, root_url: str) -> BranchResult:
    """train -> generate -> evaluate of one model on one dataset (cached subflows).

    Inside a task, Prefect stages the nested tasks' cache records until this task's
    transaction commits, so the train task that generate and evaluate call again would not
    see the first one's record and would run again. An eager transaction commits each record
    as soon as its task finishes.
    """
    common = {"model": model, "dataset": dataset, "profile": config.profile,
              "overrides": config.overrides.get(model), "source": config.source,
              "root": root_url}
    with transaction(commit_mode=CommitMode.EAGER):
        trained = train(**common)
        samples = generate(**common, n=config.samples, seed=config.seed)
        evaluation = evaluate(**common, n=config.samples, seed=config.seed,
                              evaluation=eval_config_for(config.profile, extractor=config.extractor,
                                                         inception_weights=config.inception_weights))
    return BranchResult(trained=trained, samples=samples, evaluation=evaluation)


def task_runner_for(config: PipelineConfig) -> Any:
    if config.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if config.dask_address:
            return DaskTaskRunner(address=config.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": config.concurrency,
                                              "threads_per_worker": 1, "processes": True})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=config.concurrency)


@flow(name="pipeline", log_prints=False)
def pipeline(config: PipelineConfig | None = None, root: str | None = None) -> PipelineResult:
    """Run every requested branch and write the reports; the runs table records the outcome
    (completed or failed) either way."""
    config = config or PipelineConfig()
    logger = get_run_logger()
    art = resolve_root(root)
    started = dt.datetime.now(dt.UTC)
    run_id, run_date = new_run_id(started), f"{started:%Y-%m-%d}"
    flow_run_id = str(get_run_context().flow_run.id)
    logger.info("pipeline run %s (%s profile) under %s", run_id, config.profile, art.url)
    try:
        branches = config.branches()
        for dataset in sorted({d for _, d in branches}):
            ingest(IngestConfig(dataset=dataset, source=config.source), root=art.url)
        futures = [run_branch.submit(m, d, config, art.url) for m, d in branches]
        results = [f.result() for f in futures]
        report = write_reports(run_id, run_date, config.profile, started, results, art.url)
    except BaseException as e:
        record_run(run_id, run_date, flow_run_id, config.profile, config.model_dump_json(),
                   started, "failed", f"{type(e).__name__}: {e}"[:2000], art.url)
        raise
    record_run(run_id, run_date, flow_run_id, config.profile, config.model_dump_json(), started,
               "completed", None, art.url)
    _artifacts(run_id, report, results, art.path(report.html))
    logger.info("report: %s", art.path(report.html))
    return PipelineResult(run_id=run_id, status="completed", report=report, branches=results)


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
