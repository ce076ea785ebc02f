"""Prefect task of the training stage: load the stored split, train, record.

Cached on the training data's content hash, the full RunSpec and the code version (this module,
every genflow module it imports and the model's builder module); retried once, and a retry
resumes from the run's checkpoint. One training per key at a time on any worker
(``exclusive.py``), and the attempt that holds the key claims the run folder, so a stale
attempt that wakes later writes nothing. GPUs are shared out by the workers, not by a tag: a
GPU worker takes one flow run per GPU (``prefect worker start --limit``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from prefect import task

from genflow.storage.datasets import read_split
from genflow.storage.hashing import code_version, sha256_text
from genflow.storage.root import ArtifactRoot, resolve_root
from genflow.storage.runs import RunStore
from genflow.tasks.data.normalise import filter_classes, scale
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.models import registry
from genflow.tasks.models.config import RunSpec
from genflow.tasks.task_policies import key_from_parameters, retry_unless_bad_input
from genflow.tasks.training import loop
from genflow.tasks.training.exclusive import exclusive_training
from genflow.tasks.training.records import TrainRecord

log = logging.getLogger(__name__)


def train_code_version(model: str) -> str:
    """The code a training of ``model`` runs: this module's import closure + its builder's."""
    return code_version(__name__, registry.get(model).builder_module)


def train_key(spec: RunSpec, train_ref: SplitRecord) -> str:
    """Cache key: training data bytes + every config field + code version."""
    return "train-" + sha256_text(spec.model_dump_json(), train_ref.content_sha256,
                                  train_code_version(spec.model.name))


def run_store(root: ArtifactRoot, model: str, dataset: str, key: str) -> RunStore:
    """The run folder of a training (known from its cache key before it runs)."""
    return RunStore.for_run(root, model, dataset, key.removeprefix("train-"))


def load_trained(root: ArtifactRoot, model: str, dataset: str, key: str) -> TrainRecord | None:
    """The finished training with cache key ``key``, or None if it is absent or incomplete."""
    store = run_store(root, model, dataset, key)
    text = store.load_record()
    if text is None:
        return None
    record = TrainRecord.model_validate_json(text)
    names = [f.removeprefix(store.relative() + "/") for f in record.files.values()]
    return record if store.is_complete(*names) else None


def _progress_reporter(label: str) -> loop.Progress:
    """A Prefect progress artifact updated at most every 2 % (no-op outside a flow run)."""
    try:
        from prefect.artifacts import create_progress_artifact, update_progress_artifact

        artifact_id = create_progress_artifact(0.0, description=f"training {label}")
    except Exception:  # not inside a Prefect run, or the API is unavailable
        return lambda step, total, metrics: None
    last = [0.0]

    def report(step: int, total: int, metrics: dict[str, float]) -> None:
        pct = 100.0 * step / total
        if pct - last[0] >= 2.0 or step == total:
            last[0] = pct
            update_progress_artifact(artifact_id, pct)

    return report


def _flow_run_id() -> str | None:
    """The flow run this task runs in (the train stage's), or None outside a run."""
    try:
        from prefect.context import get_run_context

        return str(get_run_context().task_run.flow_run_id)
    except Exception:  # outside a run
        return None


def _holder() -> str:
    """Who trains: the flow run and the host, for owner.json and the logs."""
    import socket

    return f"flow run {_flow_run_id()} on {socket.gethostname()}"


@task(name="train-model", cache_key_fn=key_from_parameters, persist_result=True,
      retries=1, retry_delay_seconds=1, retry_condition_fn=retry_unless_bad_input)
def train_model(spec: RunSpec, train_ref: SplitRecord, test_ref: SplitRecord | None, key: str,
                root_url: str, overrides: dict[str, Any] | None = None) -> TrainRecord:
    """Train one model on stored splits; resumes from a checkpoint if one exists."""
    root = resolve_root(root_url)
    vr = spec.train.value_range
    images, labels = read_split(root, train_ref.path)
    images, _ = filter_classes(images, labels, spec.train.classes)
    x_test = None
    if test_ref is not None:
        t_images, t_labels = read_split(root, test_ref.path)
        t_images, _ = filter_classes(t_images, t_labels, spec.train.classes)
        x_test = scale(t_images, vr)
    kind = registry.get(spec.model.name).kind
    x_train = images if kind == "pixel" else scale(images, vr)
    with exclusive_training(key, root.url):
        finished = load_trained(root, spec.model.name, spec.dataset, key)
        if finished is not None:  # another run trained this key while we waited for it
            log.info("%s on %s: trained meanwhile by another run -> %s", spec.model.name,
                     spec.dataset, finished.run_dir)
            return finished
        store = run_store(root, spec.model.name, spec.dataset, key).claim(_holder())
        log.info("training %s on %s (%d images, profile %s) in %s", spec.model.name,
                 spec.dataset, len(x_train), spec.profile, store.relative())
        outcome = loop.train(spec, x_train, x_test, store,
                             progress=_progress_reporter(f"{spec.model.name} on {spec.dataset}"))
        return _save_record(spec, store, outcome, train_ref, test_ref, key, overrides)


def _save_record(spec: RunSpec, store: RunStore, outcome: loop.TrainOutcome,
                 train_ref: SplitRecord, test_ref: SplitRecord | None, key: str,
                 overrides: dict[str, Any] | None) -> TrainRecord:
    """The run's TrainRecord, written last (through the claim: a superseded attempt cannot)."""
    files = dict(outcome.files, history=store.relative("history.parquet"))
    record = TrainRecord(
        model=spec.model.name, dataset=spec.dataset, profile=spec.profile, key=key,
        run_dir=store.relative(), files=files,
        sampler_sha256=store.sha256(outcome.files["sampler"].rsplit("/", 1)[-1]),
        train_sha256=train_ref.content_sha256, steps=outcome.steps,
        resumed_from=outcome.resumed_from, seconds=outcome.seconds,
        images_per_second=outcome.images_per_second, final=outcome.final, grids=outcome.grids,
        spec_json=spec.model_dump_json(), devices=outcome.devices,
        finished_at=dt.datetime.now(dt.UTC), trained_by=_flow_run_id(), overrides=overrides or {},
        data=[r for r in (train_ref, test_ref) if r is not None])
    store.save_record(record.model_dump_json())
    log.info("%s on %s: %d iterations in %.1f s (%.0f images/s, %s)%s -> %s", record.model,
             record.dataset, record.steps, record.seconds, record.images_per_second,
             record.devices,
             f", resumed from {record.resumed_from}" if record.resumed_from else "",
             record.run_dir)
    return record
