"""The train flow: ingest (cached subflow) -> train one model (cached, resumable task)."""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from typing import Any

from prefect import flow, get_run_logger
from prefect.events import emit_event

from flows.ingest import ingest
from storage.results import result_storage
from storage.root import resolve_root
from storage.runs import RunStore
from tasks.data.config import IngestConfig
from tasks.training.profiles import make_spec
from tasks.training.records import TrainRecord
from tasks.training.train_tasks import train_key, train_model

TRAINED_EVENT = "genflow.model.trained"


@flow(name="train", log_prints=False)
def train(model: str = "dcgan", dataset: str | None = None, profile: str = "quick",
          overrides: dict[str, dict[str, Any]] | None = None, source: str = "auto",
          root: str | None = None) -> TrainRecord:
    """Train ``model`` (see tasks.models.config.MODEL_NAMES) under ``profile``.

    Args:
        model: registered model name.
        dataset: "mnist" or "fashion_mnist"; default: the lecture's dataset for the model.
        profile: "smoke", "quick" or "lecture".
        overrides: config deltas, {"train": {...}, "model": {...}}.
        source: raw data source for the ingest subflow.
        root: artifact root.
    """
    logger = get_run_logger()
    spec = make_spec(model, dataset, profile, overrides)
    art = resolve_root(root)
    train_ref, test_ref = ingest(IngestConfig(dataset=spec.dataset, source=source), root=art.url)
    key = train_key(spec, train_ref)
    store = RunStore.for_run(art, spec.model.name, spec.dataset, key.removeprefix("train-"))
    sampler = "pixel.npz" if spec.model.name == "pixel" else "sampler.keras"
    stale = not art.exists(*store.parts(sampler))
    task = train_model.with_options(result_storage=result_storage(art), refresh_cache=stale)
    record = task(spec, train_ref, test_ref, key, art.url)
    # Downstream deployments (evaluate + report) trigger on this event; the payload carries
    # what they need to pick up the same model in the same root.
    resource = {"prefect.resource.id": f"genflow.model.{record.model}.{record.dataset}",
                "prefect.resource.name": record.model}
    emit_event(event=TRAINED_EVENT, resource=resource,
               payload={"model": record.model, "dataset": record.dataset,
                        "profile": record.profile, "root": art.url, "source": source,
                        "run_dir": record.run_dir})
    logger.info("%s on %s: %d iterations in %.1f s (%.0f images/s, %s)%s -> %s", record.model,
                record.dataset, record.steps, record.seconds, record.images_per_second,
                record.devices,
                f", resumed from {record.resumed_from}" if record.resumed_from else "",
                record.run_dir)
    return record
