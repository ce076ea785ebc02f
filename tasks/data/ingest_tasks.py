"""Prefect tasks of the ingestion stage: thin wrappers that call the pure functions and ask
storage where things live. Arrays never cross a task boundary; records (paths, hashes) do."""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa
from prefect import task

from genflow.storage.datasets import dataset_parts, write_split
from genflow.storage.hashing import code_version, sha256_arrays, sha256_file
from genflow.storage.parquet import append_rows
from genflow.storage.root import RAW, resolve_root
from genflow.storage.schemas import DATASETS_TABLE
from genflow.tasks.data.catalog import FULL_SIZES, SPLITS
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.ingest import read_raw_split
from genflow.tasks.data.normalise import class_counts
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.data.sources import RawSource, locate
from genflow.tasks.task_policies import key_from_parameters, retry_unless_bad_input

log = logging.getLogger(__name__)

# Part of every ingestion cache key: the source of this module and of every genflow module it
# imports (parsers, normalisation, storage), read from the imports themselves.
INGEST_CODE_VERSION = code_version(__name__)



@task(name="locate-raw-files", retries=2, retry_delay_seconds=2,
      retry_condition_fn=retry_unless_bad_input)
def locate_raw_files(config: IngestConfig, root_url: str) -> RawSource:
    """Resolve the configured source to raw files (may download through TFDS)."""
    root = resolve_root(root_url)
    source = locate(config, root.working_dir(RAW, "tfds"))  # TFDS needs a local data_dir
    log.info("%s: %s source at %s", config.dataset, source.kind, source.location)
    return source


@task(name="hash-raw-files", retries=2, retry_delay_seconds=2,
      retry_condition_fn=retry_unless_bad_input)
def hash_raw_files(raw: RawSource) -> dict[str, str]:
    """sha256 of every raw file: the content half of the cache key."""
    return {f: sha256_file(f) for f in raw.files}



def dataset_exists(root_url: str, dataset: str, key: str) -> bool:
    """Every split that ingestion ``key`` writes is still stored."""
    root = resolve_root(root_url)
    return all(root.exists(*dataset_parts(dataset, split, key.removeprefix("ingest-")))
               for split in SPLITS)


@task(name="build-dataset", cache_key_fn=key_from_parameters, persist_result=True,
      retries=2, retry_delay_seconds=2, retry_condition_fn=retry_unless_bad_input)
def build_dataset(raw: RawSource, config: IngestConfig, raw_hashes: dict[str, str],
                  key: str, root_url: str) -> list[SplitRecord]:
    """Validate -> normalise every split, then write them and their datasets-table rows.

    One task rather than a chain because the steps would otherwise pass 47 MB arrays between
    tasks; each step is its own pure function. All splits are validated before anything is
    written, so bad input leaves no file behind. Cached on ``key`` (raw hashes + code version).
    """
    root = resolve_root(root_url)
    splits = {split: read_raw_split(raw, split, config) for split in SPLITS}
    records = []
    for split, (images, labels) in splits.items():
        content = sha256_arrays(images, labels)
        parts = dataset_parts(raw.dataset, split, key.removeprefix("ingest-"))
        write_split(root, parts, images, labels,
                    {"dataset": raw.dataset, "split": split, "content_sha256": content})
        records.append(SplitRecord(
            dataset=raw.dataset, split=split, source=raw.kind,
            is_sample=len(images) < FULL_SIZES[split], path="/".join(parts),
            content_sha256=content, n_images=len(images), class_counts=class_counts(labels),
            raw_files=[(f, raw_hashes[f]) for f in raw.files],
            code_version=INGEST_CODE_VERSION, ingested_at=dt.datetime.now(dt.UTC),
        ))
        log.info("%s/%s: %d images -> %s", raw.dataset, split, len(images), records[-1].path)
    append_rows(root, DATASETS_TABLE, pa.concat_tables([r.to_arrow() for r in records]))
    return records
