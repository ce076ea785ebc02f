"""The one helper that chains stages for a model: the pipeline's branches and the CLI's stage
commands (``genflow train|generate|evaluate``) both go through it, so each upstream stage runs
once per call. Stage flows themselves never call one another.

A stage whose outputs are already complete (flows/completed.py) starts no flow run: its stored
record is used, and its span in ``stage_seconds`` is the lookup's few milliseconds
(``GENFLOW_ALWAYS_RUN_STAGES=1`` starts the flow runs anyway).
"""

# No `from __future__ import annotations` here: Dask ships these functions by value.

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Literal

from prefect import flow

from genflow.core.settings import always_run_stages
from genflow.flows.completed import (
    completed_evaluation,
    completed_ingest,
    completed_samples,
    completed_training,
)
from genflow.flows.config import Limits, limits_for
from genflow.flows.evaluate import evaluate
from genflow.flows.generate import generate
from genflow.flows.ingest import ingest
from genflow.flows.train import train
from genflow.flows.unattended import (
    check_attempt,
    deadline,
    ensure_current_attempt,
    genflow_tags,
    is_timeout,
    step_aside,
    timed_out,
)
from genflow.flows.versions import check_deployment_version
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.evaluation.config import EvalConfig
from genflow.tasks.evaluation.records import EvalRecord
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.training.records import TrainRecord
from genflow.tasks.training.request import ModelRequest

Stage = Literal["train", "generate", "evaluate"]
log = logging.getLogger("genflow.flows.chain")


@dataclass
class Chained:
    """The records of the stages that ran (later ones None when the chain stopped earlier),
    and each stage's (start, end) in seconds since the epoch."""

    trained: TrainRecord
    samples: SampleRecord | None = None
    evaluation: EvalRecord | None = None
    spans: dict = field(default_factory=dict)


def _timed(spans: dict, stage: str, done, call, *args, **kwargs):
    """``call(*args, **kwargs)`` (a stage flow run) unless ``done()`` finds its output stored."""
    start = time.time()
    record = _looked_up(stage, done)
    if record is not None:
        spans.setdefault(stage, []).append((start, time.time()))
        log.info("stage %s: complete, no flow run (%.2f s)", stage, time.time() - start)
        return record
    try:
        return call(*args, **kwargs)
    finally:
        spans.setdefault(stage, []).append((start, time.time()))
        log.info("stage %s: %.1f s", stage, time.time() - start)


def _looked_up(stage: str, done):
    """``done()``, or None when stages always run (GENFLOW_ALWAYS_RUN_STAGES=1) or the look-up
    itself fails (a transient read error, a record that no longer validates): the stage's flow
    then runs and reports what is wrong."""
    if always_run_stages():
        return None
    try:
        return done()
    except Exception as e:
        log.debug("stage %s: look-up failed (%s: %s); running its flow", stage,
                  type(e).__name__, e)
        return None


def _bounded(stage_flow, seconds: float | None):
    """The stage flow with its timeout (a stage that exceeds it ends TimedOut)."""
    return stage_flow if seconds is None else stage_flow.with_options(timeout_seconds=seconds)


def ingest_datasets(datasets: list[str], source: str, root_url: str,
                    path: str | None = None, seconds: float | None = None) -> dict[str, list[SplitRecord]]:
    """One ingest flow run per distinct dataset (each bounded by ``seconds``): {dataset: [train, test]}."""
    stage = _bounded(ingest, seconds)
    out = {}
    for d in sorted(set(datasets)):
        config = IngestConfig(dataset=d, source=source, path=path)
        done = _looked_up("ingest", lambda config=config: completed_ingest(config, root_url))
        out[d] = done or stage(config, root=root_url)
    return out


def run_model(request: ModelRequest, data: list[SplitRecord], root_url: str, upto: Stage = "evaluate",
              n: int | None = None, seed: int = 0, evaluation: EvalConfig | None = None,
              source: str = "auto", caller: str = "standalone",
              limits: Limits | None = None) -> Chained:
    """train -> generate -> evaluate one model on ingested ``data``, stopping after ``upto``;
    each stage bounded by ``limits`` (the profile's when None)."""
    limits = limits_for(request.profile, limits)
    spans: dict = {}
    trained = _timed(spans, "train", lambda: completed_training(request, data, root_url),
                     _bounded(train, limits.train_seconds), request, data,
                     root=root_url, source=source, caller=caller)
    if upto == "train":
        return Chained(trained=trained, spans=spans)
    out = run_from_trained(trained, root_url, upto, n=n, seed=seed, evaluation=evaluation,
                           limits=limits)
    out.spans = {**spans, **out.spans}
    return out


def run_from_trained(trained: TrainRecord, root_url: str, upto: Stage = "evaluate",
                     n: int | None = None, seed: int = 0, evaluation: EvalConfig | None = None,
                     limits: Limits | None = None) -> Chained:
    """generate -> evaluate a model that is already trained (the report flow's chain)."""
    limits = limits_for(trained.profile, limits)
    spans: dict = {}
    out = Chained(trained=trained, spans=spans,
                  samples=_timed(spans, "generate",
                                 lambda: completed_samples(trained, n, seed, root_url),
                                 _bounded(generate, limits.generate_seconds),
                                 trained, n=n, seed=seed, root=root_url))
    if upto == "evaluate":
        out.evaluation = _timed(
            spans, "evaluate",
            lambda: completed_evaluation(out.samples, trained, evaluation, root_url),
            _bounded(evaluate, limits.evaluate_seconds), out.samples, trained, evaluation,
            root=root_url)
    return out


def run_stage(request: ModelRequest, root_url: str, upto: Stage, source: str = "auto",
              n: int | None = None, seed: int = 0, evaluation: EvalConfig | None = None,
              limits: Limits | None = None) -> Chained:
    """A stage called alone: its upstream resolved once (ingest, then the stages before it)."""
    dataset = request.spec().dataset
    seconds = limits_for(request.profile, limits).ingest_seconds
    data = ingest_datasets([dataset], source, root_url, seconds=seconds)[dataset]
    return run_model(request, data, root_url, upto, n=n, seed=seed, evaluation=evaluation,
                     source=source, limits=limits)


@flow(name="train-run", log_prints=False)
def train_run(request: ModelRequest, source: str = "auto", root: str | None = None,
              limits: Limits | None = None) -> TrainRecord:
    """The train deployment's and ``genflow train``'s entry point: ingest the request's dataset,
    then train (the train stage emits ``genflow.model.trained``). The run lands in the report
    tables as its own run: a ``runs`` row and the model's ``training_history`` rows.

    As a deployment run it is bounded by ``limits`` (the profile's by default): attempts,
    a hard deadline, stage timeouts; a timed-out run ends TimedOut (and is rescheduled)."""
    import datetime as dt

    from prefect.context import get_run_context

    from genflow.storage.root import resolve_root
    from genflow.tasks.reporting.report_tasks import record_run, record_training
    from genflow.tasks.reporting.stage_times import stage_seconds
    from genflow.tasks.reporting.tables import new_run_id

    check_deployment_version()  # a worker on other code refuses before anything runs
    art = resolve_root(root)
    started = dt.datetime.now(dt.UTC)
    run_id = new_run_id(started)
    run_date, flow_run_id = f"{started:%Y-%m-%d}", str(get_run_context().flow_run.id)
    config = json.dumps({"train": request.model_dump(mode="json"), "source": source})
    limits = limits_for(request.profile, limits)
    try:
        check_attempt(limits.attempts)
        with deadline(limits.run_seconds, f"training {request.label}"), genflow_tags():
            out = run_stage(request, art.url, "train", source=source, limits=limits)
            ensure_current_attempt()  # a stale attempt records nothing
            record_training(run_id, run_date, out.trained, art.url)
    except Exception as e:
        step_aside(e)  # a stale attempt (superseded) leaves without a word
        record_run(run_id, run_date, flow_run_id, request.profile, config, started, "failed",
                   f"{type(e).__name__}: {e}"[:2000], art.url)
        if is_timeout(e):
            return timed_out(e)
        raise
    seconds = stage_seconds(out.spans)
    record_run(run_id, run_date, flow_run_id, request.profile, config, started, "completed",
               None, art.url, seconds)
    return out.trained
