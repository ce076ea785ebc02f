"""Stage outputs that are already complete, found without a stage flow run.

A cached stage flow run costs 1-3 s to create, start, heartbeat and finish, although its task is
a cache hit: a nightly run with nothing new spent 38 s that way. So before the chain starts a
stage flow it asks here, computing the stage's cache key exactly as the stage flow does (the
same key functions): when every file the stage writes is stored and its cached task's result
is in the result storage, the chain takes that record and starts no flow run for the stage.
Anything missing or unreadable gives None, and the stage flow runs as before (and recomputes
what is missing). Such a stage appears in the runs table's ``stage_seconds`` with its (short)
lookup time and in Prefect as no flow run at all.
"""

# No `from __future__ import annotations` here: Dask ships the chain's functions by value.

import logging
from pathlib import Path
from typing import Any

from genflow.storage.results import result_storage
from genflow.storage.root import ArtifactRoot, resolve_root
from genflow.storage.samples import neighbours_exist, samples_exist
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.evaluation.config import EvalConfig, eval_config_for, sample_count
from genflow.tasks.evaluation.records import EvalRecord, ExtractorRecord
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.training.records import TrainRecord
from genflow.tasks.training.request import ModelRequest

log = logging.getLogger("genflow.flows.completed")


def stored_result(art: ArtifactRoot, key: str, kind: type) -> Any:
    """The value the cached task with ``key`` persisted (a ``kind``), or None."""
    from prefect.filesystems import LocalFileSystem
    from prefect.results import ResultStore

    storage = result_storage(art)
    if isinstance(storage, Path):
        storage = LocalFileSystem(basepath=str(storage))
    try:
        value = ResultStore(result_storage=storage, cache_result_in_memory=False).read(key).result
    except Exception:  # absent, half-written or from another Prefect: let the stage run
        return None
    if kind is list:
        return value if isinstance(value, list) and all(
            isinstance(v, SplitRecord) for v in value) else None
    return value if isinstance(value, kind) else None


def completed_ingest(config: IngestConfig, root_url: str) -> list[SplitRecord] | None:
    """The dataset's [train, test] records when ingestion of the current raw files is stored."""
    from genflow.storage.root import RAW
    from genflow.tasks.data.ingest import dataset_key
    from genflow.tasks.data.ingest_tasks import INGEST_CODE_VERSION, dataset_exists, hash_raw_files
    from genflow.tasks.data.sources import locate

    art = resolve_root(root_url)
    # as locate_raw_files does, but never downloading: a TFDS download is the flow's to do
    raw = locate(config, art.working_dir(RAW, "tfds"), download=False)
    if raw is None:
        return None
    key = dataset_key(raw, hash_raw_files.fn(raw), config, INGEST_CODE_VERSION)
    if not dataset_exists(art.url, raw.dataset, key):
        return None
    records = stored_result(art, key, list)
    if records is not None and raw.warning:
        log.warning(raw.warning)
    return records


def completed_training(request: ModelRequest, data: list[SplitRecord],
                       root_url: str) -> TrainRecord | None:
    """The finished training of ``request`` on ``data``'s train split, if it is stored."""
    from genflow.tasks.training.train_tasks import load_trained, train_key

    spec = request.spec()
    return load_trained(resolve_root(root_url), spec.model.name, spec.dataset,
                        train_key(spec, data[0]))


def completed_samples(trained: TrainRecord, n: int | None, seed: int,
                      root_url: str) -> SampleRecord | None:
    """The stored sample set of ``trained`` at (n, seed)."""
    from genflow.tasks.generation.generate_tasks import generate_key

    art = resolve_root(root_url)
    count = sample_count(trained.profile, n)
    if not samples_exist(art, trained.model, trained.run, count, seed):
        return None
    return stored_result(art, generate_key(trained, count, seed), SampleRecord)


def completed_evaluation(samples: SampleRecord, trained: TrainRecord,
                         evaluation: EvalConfig | None, root_url: str) -> EvalRecord | None:
    """The stored evaluation of ``samples`` under ``evaluation`` (the profile's by default)."""
    from genflow.tasks.evaluation.evaluate_tasks import evaluate_key
    from genflow.tasks.evaluation.extractor_tasks import extractor_exists, extractor_key

    art = resolve_root(root_url)
    config = evaluation or eval_config_for(samples.profile)
    train_ref, test_ref = trained.data
    key = extractor_key(train_ref, test_ref, config)
    if not extractor_exists(art, config, train_ref.dataset, key):
        return None
    extractor = stored_result(art, key, ExtractorRecord)
    if extractor is None or not neighbours_exist(art, samples.model, samples.run, samples.sha256):
        return None
    return stored_result(art, evaluate_key(samples, extractor, config), EvalRecord)
