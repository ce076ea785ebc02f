"""The evaluate flow: generate (cached subflow) -> domain extractor (cached per dataset) ->
every metric beside its real-data floor (cached on the sample set's hash)."""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from typing import Any

from prefect import flow, get_run_logger

from flows.generate import generate
from flows.ingest import ingest
from storage.results import result_storage
from storage.root import resolve_root
from storage.samples import sample_parts
from tasks.data.config import IngestConfig
from tasks.evaluation.config import EvalConfig, eval_config_for
from tasks.evaluation.evaluate_tasks import (
    evaluate_key,
    evaluate_samples,
    extractor_key,
    extractor_store,
    train_extractor,
)
from tasks.evaluation.records import EvalRecord


@flow(name="evaluate", log_prints=False)
def evaluate(model: str = "dcgan", dataset: str | None = None, profile: str = "quick",
             overrides: dict[str, dict[str, Any]] | None = None, n: int | None = None,
             seed: int = 0, evaluation: EvalConfig | None = None, source: str = "auto",
             root: str | None = None) -> EvalRecord:
    """Metrics of ``model``'s samples (see tasks.evaluation.config for their names)."""
    logger = get_run_logger()
    art = resolve_root(root)
    config = evaluation or eval_config_for(profile)
    samples = generate(model=model, dataset=dataset, profile=profile, overrides=overrides, n=n,
                       seed=seed, source=source, root=art.url)
    train_ref, test_ref = ingest(IngestConfig(dataset=samples.dataset, source=source), root=art.url)
    storage = result_storage(art)
    ekey = extractor_key(train_ref, test_ref, config)
    # Cache entries whose files were deleted are recomputed, not trusted.
    stale = config.extractor == "domain" and not art.exists(
        *extractor_store(art, "domain", samples.dataset, ekey).parts("classifier.keras"))
    extractor = train_extractor.with_options(result_storage=storage, refresh_cache=stale)(
        train_ref, test_ref, config, ekey, art.url)
    stale = not art.exists(*sample_parts(samples.model, samples.run,
                                         f"neighbours-{samples.sha256[:12]}.parquet"))
    record = evaluate_samples.with_options(result_storage=storage, refresh_cache=stale)(
        samples, train_ref, test_ref, extractor, config,
        evaluate_key(samples, extractor, config), art.url)
    for row in record.metrics:
        floor = "" if row["floor"] is None else f"  (real-data floor {row['floor']:.4f})"
        logger.info("%s %s = %.4f%s, n=%s, %s", record.model, row["metric"], row["value"], floor,
                    row["n"], row["extractor"])
    return record
