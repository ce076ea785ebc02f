"""Evaluations without a model: score any image set (``genflow evaluate --images``) and run
the known-case controls (``genflow calibrate``). Both ingest the dataset through the chain
helper, get the dataset's cached extractor, judge with the same splits, intervals and floors
as the pipeline, and land in the report tables as a run of their own (``metrics`` rows under
their label and a ``runs`` row).
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value.

import dataclasses
import datetime as dt
import json
import logging
import re

from prefect import flow
from pydantic import BaseModel

from genflow.core.errors import InputError
from genflow.flows.chain import ingest_datasets
from genflow.flows.config import CEILING
from genflow.storage import schemas
from genflow.storage.datasets import read_split
from genflow.storage.parquet import append_rows
from genflow.storage.root import check_name, resolve_root
from genflow.tasks.data.normalise import scale
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation.config import EvalConfig, eval_config_for
from genflow.tasks.evaluation.controls import build_controls, check_controls
from genflow.tasks.evaluation.evaluate import evaluate
from genflow.tasks.evaluation.evaluate_tasks import load_real_sets, log_rows, result_rows
from genflow.tasks.evaluation.extractor_tasks import extractor_for, load_extractor
from genflow.tasks.evaluation.extractors import check_extractor_name, inception_weights_path
from genflow.tasks.evaluation.images import load_images
from genflow.tasks.evaluation.splits import draw
from genflow.tasks.evaluation.verdict import verdict_text
from genflow.tasks.logs import forward_logs
from genflow.tasks.reporting import tables
from genflow.tasks.reporting.report_tasks import record_run

log = logging.getLogger("genflow.flows.audit")
CONTROL_PREFIX = "control:"
PASSED = names.CONTROL_PASSED


class Scored(BaseModel):
    """One judged image set: its label, metric rows (evaluate.MetricRow as dicts), verdict."""

    label: str
    dataset: str
    metrics: list[dict]
    verdict: str
    failure: str | None = None  # controls only: why the control failed (None: passed)


class AuditResult(BaseModel):
    run_id: str
    sets: list[Scored]

    @property
    def failed(self) -> list[Scored]:
        return [s for s in self.sets if s.failure]


def _start(art, what: dict) -> tuple[str, str, dt.datetime, str, str | None]:
    from prefect.context import get_run_context

    from genflow.tasks.reporting.tables import new_run_id

    started = dt.datetime.now(dt.UTC)
    ctx = get_run_context()
    return (new_run_id(started), f"{started:%Y-%m-%d}", started, json.dumps(what),
            str(ctx.flow_run.id) if ctx.flow_run else None)


def _write(art, run_id: str, run_date: str, profile: str, scored: list[Scored],
           eval_seed: int) -> None:
    for s in scored:
        append_rows(art, schemas.METRICS_TABLE, tables.metric_rows(
            run_id, run_date, s.dataset, s.label, profile, s.metrics, eval_seed=eval_seed,
            verdict=s.verdict), f"{run_id}-{re.sub(r'[^A-Za-z0-9_.-]', '_', s.label)}")


def check_images_request(images: str, dataset: str, name: str, classes: list[int] | None,
                         config: EvalConfig):
    """Every name, label and path an ``--images`` evaluation will use, before anything runs
    (no ingest, no extractor, no ``runs`` row): InputError/ConfigError naming the field.
    Returns the loaded images (tasks.evaluation.images.load_images)."""
    from genflow.run_config import DATASETS

    if dataset not in DATASETS:
        raise InputError(f"dataset {dataset!r} is not one of {', '.join(DATASETS)}")
    check_name(name, "label (--name)")
    if classes is not None and (not classes or not all(0 <= int(c) <= 9 for c in classes)):
        raise InputError(f"classes {classes!r} must list classes between 0 and 9")
    if check_extractor_name(config.extractor) == "inception":
        inception_weights_path(config.inception_weights)
    return load_images(images)


@flow(name="evaluate-images", log_prints=False, timeout_seconds=CEILING.evaluate_seconds)
def evaluate_images(images: str, dataset: str, name: str, classes: list[int] | None = None,
                    source: str = "auto", root: str | None = None,
                    evaluation: EvalConfig | None = None) -> AuditResult:
    """Score the image set at ``images`` (tasks.evaluation.images) as if a model of
    ``classes`` on ``dataset`` had produced it; rows land under ``name``."""
    forward_logs()
    art = resolve_root(root)
    config = evaluation or eval_config_for("quick")
    x = check_images_request(images, dataset, name, classes, config)  # before any work
    run_id, run_date, started, what, flow_run_id = _start(art, {"evaluate_images": {
        "images": images, "dataset": dataset, "name": name, "classes": classes,
        "source": source}})
    try:
        train_ref, test_ref = ingest_datasets([dataset], source, art.url)[dataset]
        ext_ref = extractor_for(train_ref, test_ref, config, art)
        extractor = load_extractor(art, ext_ref, config)
        real = load_real_sets(art, train_ref, test_ref, ext_ref, extractor, classes, config)
        result = evaluate(x, real, extractor, config,
                          single_class=classes is not None and len(classes) == 1,
                          classes=classes)
        rows = result_rows(result, ext_ref)
        log_rows(name, rows, result.verdict)
        scored = [Scored(label=name, dataset=dataset, metrics=rows,
                         verdict=verdict_text(result.verdict))]
        _write(art, run_id, run_date, "images", scored, config.seed)
    except Exception as e:
        record_run(run_id, run_date, flow_run_id, "images", what, started, "failed",
                   f"{type(e).__name__}: {e}"[:2000], art.url)
        raise
    record_run(run_id, run_date, flow_run_id, "images", what, started, "completed", None,
               art.url)
    return AuditResult(run_id=run_id, sets=scored)


@flow(name="calibrate", log_prints=False, timeout_seconds=CEILING.run_seconds)
def calibrate(dataset: str, n: int = 2000, source: str = "auto", root: str | None = None,
              evaluation: EvalConfig | None = None) -> AuditResult:
    """Run the known-case controls (tasks.evaluation.controls) on ``dataset``; each control's
    rows land under ``control:<name>`` with a ``control_passed`` row (1 or 0)."""
    forward_logs()
    art = resolve_root(root)
    config = evaluation or eval_config_for("quick")
    run_id, run_date, started, what, flow_run_id = _start(art, {"calibrate": {
        "dataset": dataset, "n": n, "source": source}})
    try:
        train_ref, test_ref = ingest_datasets([dataset], source, art.url)[dataset]
        ext_ref = extractor_for(train_ref, test_ref, config, art)
        extractor = load_extractor(art, ext_ref, config)
        real = load_real_sets(art, train_ref, test_ref, ext_ref, extractor, None, config)
        # The probe (fresh real images for the controls) is a seeded third of the test split;
        # the evaluation's floor and baseline come from the rest only.
        _, train_labels = read_split(art, train_ref.path)
        test, test_labels = read_split(art, test_ref.path)
        order = draw(len(test), len(test), config.seed + 1)
        probe_rows, rest = order[:len(test) // 3], order[len(test) // 3:]
        real = dataclasses.replace(real, heldout=scale(test[rest], "unit"),
                                   key=f"{real.key}-calibrate")
        n = min(n, len(probe_rows), len(rest) // 2)
        sets = build_controls(real.train, train_labels, scale(test[probe_rows], "unit"),
                              test_labels[probe_rows], n, config.seed)
        results, verdicts = {}, {}
        for i, s in enumerate(sets, 1):
            result = evaluate(s.images, real, extractor, config, single_class=False)
            results[s.name] = (result_rows(result, ext_ref), result.verdict)
            verdicts[s.name] = result.verdict
            log.info("control %d/%d %s (%d images): verdict %s", i, len(sets), s.name,
                     len(s.images), verdict_text(result.verdict))
        outcome = check_controls(results, sets)
        scored = []
        for s in sets:
            rows = results[s.name][0] + [{"metric": PASSED, "value": float(outcome[s.name] is None),
                                          "n": len(s.images), "extractor": extractor.name,
                                          "floor": None}]
            scored.append(Scored(label=CONTROL_PREFIX + s.name, dataset=dataset, metrics=rows,
                                 verdict=verdict_text(verdicts[s.name]), failure=outcome[s.name]))
            log.info("%-18s %s%s", s.name, "passed" if outcome[s.name] is None else "FAILED: ",
                     outcome[s.name] or "")
        _write(art, run_id, run_date, "calibrate", scored, config.seed)
    except Exception as e:
        record_run(run_id, run_date, flow_run_id, "calibrate", what, started, "failed",
                   f"{type(e).__name__}: {e}"[:2000], art.url)
        raise
    failed = [s.label for s in scored if s.failure]
    record_run(run_id, run_date, flow_run_id, "calibrate", what, started, "completed",
               ("controls failed: " + ", ".join(failed)) if failed else None, art.url)
    return AuditResult(run_id=run_id, sets=scored)
