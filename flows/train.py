"""The train flow: train one model on ingested splits (cached, resumable task).

Takes the ingest stage's records; never ingests. Emits ``genflow.model.trained`` once, when a
model was actually trained (not for a cache hit or a restore of a finished checkpoint), with a
payload that names that exact model: its cache key, run folder and overrides. The event's
resource carries ``genflow.caller``: "pipeline" when a pipeline run trained it (and reports it
itself), "standalone" otherwise; the report deployment triggers on standalone trainings only.
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

import datetime as dt

from prefect import flow, get_run_logger
from prefect.events import emit_event

from genflow.flows.config import CEILING
from genflow.storage.results import result_storage
from genflow.storage.root import resolve_root
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.logs import forward_logs
from genflow.tasks.training.records import TrainRecord
from genflow.tasks.training.request import ModelRequest
from genflow.tasks.training.train_tasks import load_trained, train_key, train_model

TRAINED_EVENT = "genflow.model.trained"


@flow(name="train", log_prints=False, timeout_seconds=CEILING.train_seconds)
def train(request: ModelRequest, data: list[SplitRecord], root: str | None = None,
          source: str = "auto", caller: str = "standalone") -> TrainRecord:
    """Train ``request.model`` on ``data`` (the ingest stage's train and test records).

    Args:
        request: model, dataset, profile and overrides.
        data: [train, test] SplitRecords of the request's dataset.
        root: artifact root.
        source: the raw source the data came from (carried in the event for the report).
        caller: "pipeline" or "standalone" (the event's ``genflow.caller`` label).
    """
    forward_logs()
    logger = get_run_logger()
    spec = request.spec()
    art = resolve_root(root)
    train_ref, test_ref = data
    key = train_key(spec, train_ref)
    # A cache entry whose files were deleted is recomputed, not trusted.
    stale = load_trained(art, spec.model.name, spec.dataset, key) is None
    task = train_model.with_options(result_storage=result_storage(art), refresh_cache=stale)
    started = dt.datetime.now(dt.UTC)
    record = task(spec, train_ref, test_ref, key, art.url, request.overrides)
    # Trained now, by this run: the record is this call's (a cache hit returns an older one;
    # a run that waited for the key gets the other run's), and at least one iteration ran (a
    # restore of the final checkpoint trains nothing).
    from prefect.context import get_run_context

    mine = record.trained_by in (None, str(get_run_context().flow_run.id))
    if record.finished_at >= started and record.resumed_from < record.steps and mine:
        emit_event(event=TRAINED_EVENT,
                   resource={"prefect.resource.id": f"genflow.model.{record.model}.{record.dataset}"
                                                    f".{record.key.removeprefix('train-')[:16]}",
                             "prefect.resource.name": record.model,
                             "genflow.caller": caller},
                   payload={"model": record.model, "dataset": record.dataset,
                            "profile": record.profile, "train_key": record.key,
                            "overrides": record.overrides, "run_dir": record.run_dir,
                            "root": art.url, "source": source})
        logger.info("%s on %s trained: %d iterations (%.0f images/s, %s) -> %s", record.model,
                    record.dataset, record.steps, record.images_per_second, record.devices,
                    record.run_dir)
    else:
        logger.info("%s on %s: cached model %s", record.model, record.dataset, record.run_dir)
    return record
