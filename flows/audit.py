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

import numpy as np
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


class RepeatSummary(BaseModel):
    """``calibrate --repeats K``: over K fresh draws of the controls, how often each flag fired
    on fresh real images (``false_alarms``) and how often each control passed, as
    {name: (rate, Wilson low, high)}."""

    repeats: int
    disjoint: bool  # the K held-out draws share no image
    false_alarms: dict[str, tuple[float, float, float]]
    passed: dict[str, tuple[float, float, float]]


class AuditResult(BaseModel):
    run_id: str
    sets: list[Scored]
    repeated: RepeatSummary | None = None

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
              evaluation: EvalConfig | None = None, repeats: int = 1) -> AuditResult:
    """Run the known-case controls (tasks.evaluation.controls) on ``dataset``; each control's
    rows land under ``control:<name>`` with a ``control_passed`` row (1 or 0).

    With ``repeats`` K > 1 the controls are drawn and judged K times (fresh held-out images
    each time: disjoint draws when K·n fits in the probe, seeded subsets otherwise; fresh
    noise, dropped classes and repeated image), and the result carries each flag's
    false-alarm rate on the fresh images and each control's pass rate (rows under
    ``calibration``: ``false_alarm_rate_<flag>``, ``pass_rate_<control>``). The first draw's
    rows are the controls' rows, as with K = 1."""
    forward_logs()
    if repeats < 1:
        raise InputError(f"repeats must be >= 1, got {repeats}")
    art = resolve_root(root)
    config = evaluation or eval_config_for("quick")
    run_id, run_date, started, what, flow_run_id = _start(art, {"calibrate": {
        "dataset": dataset, "n": n, "source": source, "repeats": repeats}})
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
                                   heldout_labels=test_labels[rest],
                                   key=f"{real.key}-calibrate")
        n = min(n, len(probe_rows), len(rest) // 2)
        probe, probe_labels = scale(test[probe_rows], "unit"), test_labels[probe_rows]
        disjoint = repeats * n <= len(probe_rows)
        draws = []
        for k in range(repeats):
            if k == 0:
                rows_k = np.arange(len(probe_rows))
            elif disjoint:  # slice k of the probe first, then the rest (dropped classes)
                rows_k = np.roll(np.arange(len(probe_rows)), -k * n)
            else:
                rows_k = draw(len(probe_rows), len(probe_rows), config.seed + 1000 + k)
            sets = build_controls(real.train, train_labels, probe[rows_k], probe_labels[rows_k],
                                  n, config.seed + k)
            results = {}
            for i, s in enumerate(sets, 1):
                result = evaluate(s.images, real, extractor, config, single_class=False)
                results[s.name] = (result_rows(result, ext_ref), result.verdict)
                log.info("draw %d/%d, control %d/%d %s (%d images): verdict %s", k + 1, repeats,
                         i, len(sets), s.name, len(s.images), verdict_text(result.verdict))
            outcome = check_controls(results, sets)
            for name, why in outcome.items():
                if why and k > 0:
                    log.info("draw %d/%d: %s failed: %s", k + 1, repeats, name, why)
            draws.append((sets, results, outcome))
        sets, results, outcome = draws[0]
        scored = []
        for s in sets:
            rows = results[s.name][0] + [{"metric": PASSED, "value": float(outcome[s.name] is None),
                                          "n": len(s.images), "extractor": extractor.name,
                                          "floor": None}]
            scored.append(Scored(label=CONTROL_PREFIX + s.name, dataset=dataset, metrics=rows,
                                 verdict=verdict_text(results[s.name][1]),
                                 failure=outcome[s.name]))
            log.info("%-18s %s%s", s.name, "passed" if outcome[s.name] is None else "FAILED: ",
                     outcome[s.name] or "")
        summary = None
        if repeats > 1:
            summary = _repeat_summary(draws, disjoint)
            scored.append(Scored(label="calibration", dataset=dataset, verdict="ok",
                                 metrics=_summary_rows(summary, n, extractor.name)))
        _write(art, run_id, run_date, "calibrate", scored, config.seed)
    except Exception as e:
        record_run(run_id, run_date, flow_run_id, "calibrate", what, started, "failed",
                   f"{type(e).__name__}: {e}"[:2000], art.url)
        raise
    failed = [s.label for s in scored if s.failure]
    record_run(run_id, run_date, flow_run_id, "calibrate", what, started, "completed",
               ("controls failed: " + ", ".join(failed)) if failed else None, art.url)
    return AuditResult(run_id=run_id, sets=scored, repeated=summary)


def _rate(hits: int, k: int) -> tuple[float, float, float]:
    from genflow.tasks.evaluation.intervals import proportion

    return (hits / k, *proportion(hits, k))


def _repeat_summary(draws: list, disjoint: bool) -> RepeatSummary:
    from genflow.tasks.evaluation.verdict import FLAGS

    k = len(draws)
    false_alarms = {flag: _rate(sum(flag in results["held_out"][1] for _, results, _ in draws), k)
                    for flag in FLAGS}
    names_ = [s.name for s in draws[0][0]]
    passed = {name: _rate(sum(outcome[name] is None for _, _, outcome in draws), k)
              for name in names_}
    return RepeatSummary(repeats=k, disjoint=disjoint, false_alarms=false_alarms, passed=passed)


def _summary_rows(summary: RepeatSummary, n: int, extractor: str) -> list[dict]:
    rows = []
    for prefix, rates in ((names.FALSE_ALARM_PREFIX, summary.false_alarms),
                          (names.PASS_RATE_PREFIX, summary.passed)):
        for name, (rate, low, high) in rates.items():
            rows.append({"metric": prefix + name, "value": rate, "low": low, "high": high,
                         "n": summary.repeats, "extractor": extractor, "floor": None})
    return rows
