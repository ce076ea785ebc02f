"""The generate flow: N seeded samples of a trained model and the lecture's pictures.

Takes the train stage's record; never trains.
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from prefect import flow, get_run_logger

from genflow.flows.config import CEILING
from genflow.storage.results import result_storage
from genflow.storage.root import resolve_root
from genflow.storage.samples import samples_exist
from genflow.tasks.evaluation.config import sample_count
from genflow.tasks.generation.generate_tasks import generate_key, generate_samples
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.logs import forward_logs
from genflow.tasks.training.records import TrainRecord


@flow(name="generate", log_prints=False, timeout_seconds=CEILING.generate_seconds)
def generate(trained: TrainRecord, n: int | None = None, seed: int = 0,
             root: str | None = None) -> SampleRecord:
    """Generate ``n`` samples (profile default: smoke 64, quick 2,000, lecture 10,000)."""
    forward_logs()
    logger = get_run_logger()
    art = resolve_root(root)
    count = sample_count(trained.profile, n)
    stale = not samples_exist(art, trained.model, trained.run, count, seed)
    train_ref, test_ref = trained.data
    task = generate_samples.with_options(result_storage=result_storage(art), refresh_cache=stale)
    record = task(trained, train_ref, test_ref, count, seed, generate_key(trained, count, seed),
                  art.url)
    logger.info("%s: %d samples at %s; pictures: %s", record.model, record.n, record.path,
                ", ".join(sorted(record.pictures)))
    return record
