"""The ingest flow: locate raw files -> hash -> validate -> normalise -> write (both splits)."""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from prefect import flow, get_run_logger

from genflow.flows.config import CEILING
from genflow.storage.results import result_storage
from genflow.storage.root import resolve_root
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.ingest import dataset_key
from genflow.tasks.data.ingest_tasks import (
    INGEST_CODE_VERSION,
    build_dataset,
    dataset_exists,
    hash_raw_files,
    locate_raw_files,
)
from genflow.tasks.data.records import SplitRecord


@flow(name="ingest", log_prints=False, timeout_seconds=CEILING.ingest_seconds)
def ingest(config: IngestConfig | None = None, root: str | None = None) -> list[SplitRecord]:
    """Ingest one dataset (both splits) into the artifact root.

    Args:
        config: dataset and source; defaults to MNIST from the best available source.
        root: artifact root (path or fsspec URL); default $GENFLOW_HOME or ~/.genflow.

    Returns:
        One SplitRecord per split ("train", "test"), each pointing at its stored Parquet file.
    """
    config = config or IngestConfig()
    logger = get_run_logger()
    art = resolve_root(root)
    raw = locate_raw_files(config, art.url)
    if raw.warning:
        logger.warning(raw.warning)
    hashes = hash_raw_files(raw)
    key = dataset_key(raw, hashes, config, INGEST_CODE_VERSION)
    # A cache entry whose output files were deleted must not be trusted.
    stale = not dataset_exists(art.url, raw.dataset, key)
    task = build_dataset.with_options(result_storage=result_storage(art), refresh_cache=stale)
    records = task(raw, config, hashes, key, art.url)
    for r in records:
        logger.info("%s/%s: %d images (%s%s) at %s", r.dataset, r.split, r.n_images, r.source,
                    ", SAMPLE" if r.is_sample else "", r.path)
    return records
