"""The evaluate flow: the dataset's domain extractor (cached per dataset) -> every metric of a
sample set beside its real-data floor (cached on the sample set's hash).

Takes the generate and train stages' records; never generates or trains.
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from prefect import flow, get_run_logger

from genflow.flows.config import CEILING
from genflow.storage.results import result_storage
from genflow.storage.root import resolve_root
from genflow.storage.samples import neighbours_exist
from genflow.tasks.evaluation.config import EvalConfig, eval_config_for
from genflow.tasks.evaluation.evaluate_tasks import evaluate_key, evaluate_samples
from genflow.tasks.evaluation.extractor_tasks import extractor_for
from genflow.tasks.evaluation.records import EvalRecord
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.logs import forward_logs
from genflow.tasks.training.records import TrainRecord


@flow(name="evaluate", log_prints=False, timeout_seconds=CEILING.evaluate_seconds)
def evaluate(samples: SampleRecord, trained: TrainRecord, evaluation: EvalConfig | None = None,
             root: str | None = None) -> EvalRecord:
    """Metrics of ``samples`` (see tasks.evaluation.config for their names)."""
    forward_logs()
    logger = get_run_logger()
    art = resolve_root(root)
    config = evaluation or eval_config_for(samples.profile)
    train_ref, test_ref = trained.data
    storage = result_storage(art)
    extractor = extractor_for(train_ref, test_ref, config, art)
    stale = not neighbours_exist(art, samples.model, samples.run, samples.sha256)
    record = evaluate_samples.with_options(result_storage=storage, refresh_cache=stale)(
        samples, train_ref, test_ref, extractor, config,
        evaluate_key(samples, extractor, config), art.url)
    for row in record.metrics:
        floor = "" if row["floor"] is None else f"  (real-data floor {row['floor']:.4f})"
        logger.info("%s %s = %.4f%s, n=%s, %s", record.model, row["metric"], row["value"], floor,
                    row["n"], row["extractor"])
    return record
