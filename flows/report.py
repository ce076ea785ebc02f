"""The report flow: evaluate and report one model that was already trained.

Deployed with a trigger on the ``genflow.model.trained`` event that the train flow emits; its
parameters come from the event's payload and name that exact model (cache key, overrides).
It never trains and never emits the event: it loads the finished training's record from the
root, generates, evaluates and writes the run's report rows and HTML.
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger

from genflow.core.errors import InputError
from genflow.flows.chain import run_from_trained
from genflow.flows.config import CEILING, Limits, limits_for
from genflow.flows.pipeline import (
    PipelineConfig,
    PipelineResult,
    finish_run,
    record_failed_run,
)
from genflow.flows.unattended import (
    check_attempt,
    deadline,
    genflow_tags,
    is_timeout,
    step_aside,
    timed_out,
)
from genflow.flows.versions import check_deployment_version
from genflow.storage.root import resolve_root
from genflow.tasks.evaluation.config import eval_config_for
from genflow.tasks.logs import forward_logs
from genflow.tasks.reporting.records import BranchResult
from genflow.tasks.reporting.tables import new_run_id
from genflow.tasks.training.train_tasks import load_trained


@flow(name="report", log_prints=False, timeout_seconds=CEILING.run_seconds)
def report(model: str, dataset: str, train_key: str, profile: str = "quick",
           overrides: dict[str, dict[str, Any]] | None = None, source: str = "auto",
           root: str | None = None, samples: int | None = None, seed: int = 0,
           limits: Limits | None = None) -> PipelineResult:
    """Generate, evaluate and report the trained model ``train_key`` (never trains); bounded by
    ``limits`` like every deployment run (a timed-out run ends TimedOut and is rescheduled).

    Raises:
        InputError: no finished training with that key under the root.
    """
    forward_logs()
    check_deployment_version()  # a worker on other code refuses before anything runs
    logger = get_run_logger()
    art = resolve_root(root)
    started = dt.datetime.now(dt.UTC)
    run_id = new_run_id(started)
    config = PipelineConfig(profile=profile, models=[model], datasets=[dataset],
                            overrides={model: overrides or {}}, samples=samples, seed=seed,
                            source=source, limits=limits)
    limits = limits_for(profile, limits)
    try:
        check_attempt(limits.attempts)
        trained = load_trained(art, model, dataset, train_key)
        if trained is None:
            raise InputError(f"no finished training of {model} on {dataset} with key "
                             f"{train_key} under {art.url}; train it first (genflow train)")
        logger.info("report run %s: %s on %s, model %s", run_id, model, dataset, trained.run_dir)
        with deadline(limits.run_seconds, f"report of {model} on {dataset}"), genflow_tags():
            out = run_from_trained(trained, art.url, "evaluate", n=samples, seed=seed,
                                   evaluation=eval_config_for(profile), limits=limits)
            result = BranchResult(trained=trained, samples=out.samples,
                                  evaluation=out.evaluation, spans=out.spans)
            return finish_run(run_id, started, config, [result], [], art.url)
    except Exception as e:  # the runs row (same part name: it replaces a "completed" one)
        step_aside(e)  # a stale attempt leaves without a word
        record_failed_run(run_id, started, config, e, art.url)
        if is_timeout(e):
            return timed_out(e)
        raise
