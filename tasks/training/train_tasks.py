"""Prefect task of the training stage: load the stored split, train, record.

Cached on the training data's content hash, the full RunSpec and the code version; retried
once, and a retry resumes from the run's checkpoint. Tagged ``gpu`` so a Prefect concurrency
limit (``prefect concurrency-limit create gpu 1``) keeps one training per GPU.
"""

from __future__ import annotations

import datetime as dt
import logging

from prefect import task

from storage.datasets import read_split
from storage.hashing import code_version, sha256_text
from storage.root import resolve_root
from storage.runs import RunStore
from tasks.data.normalise import filter_classes, scale
from tasks.data.records import SplitRecord
from tasks.models.config import RunSpec
from tasks.task_policies import key_from_parameters, retry_unless_bad_input
from tasks.training import loop
from tasks.training.records import TrainRecord

log = logging.getLogger(__name__)
TRAIN_CODE_VERSION = code_version("tasks.models", "tasks.training", "storage")


def train_key(spec: RunSpec, train_ref: SplitRecord) -> str:
    """Cache key: training data bytes + every config field + code version."""
    return "train-" + sha256_text(spec.model_dump_json(), train_ref.content_sha256,
                                  TRAIN_CODE_VERSION)



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


@task(name="train-model", tags=["gpu"], cache_key_fn=key_from_parameters, persist_result=True,
      retries=1, retry_delay_seconds=1, retry_condition_fn=retry_unless_bad_input)
def train_model(spec: RunSpec, train_ref: SplitRecord, test_ref: SplitRecord | None, key: str,
                root_url: str) -> TrainRecord:
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
    x_train = images if spec.model.name == "pixel" else scale(images, vr)
    store = RunStore.for_run(root, spec.model.name, spec.dataset, key.removeprefix("train-"))
    log.info("training %s on %s (%d images, profile %s) in %s", spec.model.name, spec.dataset,
             len(x_train), spec.profile, store.relative())
    outcome = loop.train(spec, x_train, x_test, store,
                         progress=_progress_reporter(f"{spec.model.name} on {spec.dataset}"))
    files = dict(outcome.files, history=store.relative("history.parquet"))
    return TrainRecord(
        model=spec.model.name, dataset=spec.dataset, profile=spec.profile, key=key,
        run_dir=store.relative(), files=files,
        sampler_sha256=store.sha256(outcome.files["sampler"].rsplit("/", 1)[-1]),
        train_sha256=train_ref.content_sha256, steps=outcome.steps,
        resumed_from=outcome.resumed_from, seconds=outcome.seconds,
        images_per_second=outcome.images_per_second, final=outcome.final, grids=outcome.grids,
        spec_json=spec.model_dump_json(), devices=outcome.devices,
        finished_at=dt.datetime.now(dt.UTC))
