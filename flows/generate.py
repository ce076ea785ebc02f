"""The generate flow: train (cached subflow) -> N seeded samples and the lecture's pictures."""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from typing import Any

from prefect import flow, get_run_logger

from flows.ingest import ingest
from flows.train import train
from storage.results import result_storage
from storage.root import resolve_root
from storage.samples import sample_parts
from tasks.data.config import IngestConfig
from tasks.evaluation.config import SAMPLES
from tasks.generation.generate_tasks import generate_key, generate_samples
from tasks.generation.records import SampleRecord


@flow(name="generate", log_prints=False)
def generate(model: str = "dcgan", dataset: str | None = None, profile: str = "quick",
             overrides: dict[str, dict[str, Any]] | None = None, n: int | None = None,
             seed: int = 0, source: str = "auto", root: str | None = None) -> SampleRecord:
    """Generate ``n`` samples (profile default: smoke 64, quick 2,000, lecture 10,000)."""
    logger = get_run_logger()
    art = resolve_root(root)
    trained = train(model=model, dataset=dataset, profile=profile, overrides=overrides,
                    source=source, root=art.url)
    train_ref, test_ref = ingest(IngestConfig(dataset=trained.dataset, source=source), root=art.url)
    count = n or SAMPLES.get(profile, 2000)
    key = generate_key(trained, count, seed)
    run = trained.run_dir.rsplit("/", 1)[-1]
    stale = not art.exists(*sample_parts(trained.model, run, f"samples-n{count}-seed{seed}.parquet"))
    task = generate_samples.with_options(result_storage=result_storage(art), refresh_cache=stale)
    record = task(trained, train_ref, test_ref, count, seed, key, art.url)
    logger.info("%s: %d samples at %s; pictures: %s", record.model, record.n, record.path,
                ", ".join(sorted(record.pictures)))
    return record
