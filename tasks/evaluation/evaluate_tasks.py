"""Prefect task of the evaluation stage (the extractor's: extractor_tasks.py).

- ``evaluate-samples``: every metric of a sample set, cached on the sample set's sha256 and the
  evaluation config. Real-data feature statistics are cached as files per dataset, split,
  classes, extractor and N.
"""

from __future__ import annotations

import logging

import numpy as np
import pyarrow as pa
from prefect import task

from genflow.storage.atomic import write_bytes
from genflow.storage.datasets import read_split
from genflow.storage.figures import side_by_side
from genflow.storage.hashing import code_version, sha256_text
from genflow.storage.parquet import write_parquet
from genflow.storage.root import ArtifactRoot, resolve_root
from genflow.storage.samples import neighbours_name, read_samples, sample_parts
from genflow.tasks.data.normalise import filter_classes, scale
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation.config import EvalConfig
from genflow.tasks.evaluation.evaluate import EvalResult, RealSets, evaluate
from genflow.tasks.evaluation.extractor_tasks import load_extractor, reference_features
from genflow.tasks.evaluation.extractors import Extractor
from genflow.tasks.evaluation.fid import feature_statistics
from genflow.tasks.evaluation.neighbours import index_for
from genflow.tasks.evaluation.records import EvalRecord, ExtractorRecord
from genflow.tasks.evaluation.verdict import verdict_detail, verdict_text
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.task_policies import key_from_parameters, retry_unless_bad_input

log = logging.getLogger(__name__)
EVAL_CODE_VERSION = code_version(__name__)  # this module and every genflow module it imports
NEIGHBOURS = pa.schema([
    pa.field("index", pa.int64(), nullable=False),
    pa.field("nn_index", pa.int64(), nullable=False),
    pa.field("nn_distance", pa.float64(), nullable=False),
    pa.field("is_copy", pa.bool_(), nullable=False),
    pa.field("predicted_class", pa.int64()),
])



E1_PAIRS = 50


def load_real_sets(root: ArtifactRoot, train_ref: SplitRecord, test_ref: SplitRecord,
                   extractor_ref: ExtractorRecord, extractor: Extractor,
                   classes: list[int] | None, config: EvalConfig) -> RealSets:
    """The real side of an evaluation of images of ``classes`` (None: all)."""
    train, train_labels = read_split(root, train_ref.path)
    train, _ = filter_classes(train, train_labels, classes)
    test, test_labels = read_split(root, test_ref.path)
    test, test_labels = filter_classes(test, test_labels, classes)
    train_f = scale(train, "unit")
    reference = reference_features(root, extractor_ref, extractor, train_ref, classes,
                                   config.seed)
    tag = "all" if classes is None else "-".join(map(str, classes))
    index = index_for(f"{train_ref.content_sha256}-{tag}", train_f)
    return RealSets(train=train_f, heldout=scale(test, "unit"), reference=reference,
                    reference_stats=feature_statistics(reference), index=index,
                    key=f"{train_ref.content_sha256}-{test_ref.content_sha256}-{tag}",
                    heldout_labels=test_labels)


def result_rows(result: EvalResult, extractor_ref: ExtractorRecord) -> list[dict]:
    """An evaluation's metric rows as dicts, with the extractor's test accuracy last; every
    row names the exact extractor (``extractor_key``)."""
    rows = [{**vars(r), "extractor_key": extractor_ref.key} for r in result.rows]
    if extractor_ref.test_accuracy is not None:
        rows.append({"metric": names.EXTRACTOR_ACCURACY, "value": extractor_ref.test_accuracy,
                     "n": extractor_ref.test_images, "extractor": extractor_ref.name,
                     "floor": None, "extractor_key": extractor_ref.key})
    return rows


def log_rows(label: str, rows: list[dict], flags: list[str]) -> None:
    for r in rows:
        interval = "" if r.get("low") is None else f" [{r['low']:.4f}, {r['high']:.4f}]"
        floor = "" if r["floor"] is None else f"  floor {r['floor']:.4f}"
        log.info("%s %-24s %.4f%s%s (n=%d)", label, r["metric"], r["value"], interval, floor,
                 r["n"])
    log.info("%s verdict: %s", label, verdict_detail(flags, rows))


def evaluate_key(samples: SampleRecord, extractor: ExtractorRecord, config: EvalConfig) -> str:
    return "evaluate-" + sha256_text(samples.sha256, extractor.key, config.model_dump_json(),
                                     EVAL_CODE_VERSION)


@task(name="evaluate-samples", cache_key_fn=key_from_parameters, persist_result=True, retries=1,
      retry_condition_fn=retry_unless_bad_input)
def evaluate_samples(samples: SampleRecord, train_ref: SplitRecord, test_ref: SplitRecord,
                     extractor_ref: ExtractorRecord, config: EvalConfig, key: str,
                     root_url: str) -> EvalRecord:
    """All metrics of one sample set, with floors; writes the neighbours table and figure."""
    root = resolve_root(root_url)
    x = read_samples(root, samples.path)
    extractor = load_extractor(root, extractor_ref, config)
    real = load_real_sets(root, train_ref, test_ref, extractor_ref, extractor, samples.classes,
                          config)
    single = samples.classes is not None and len(samples.classes) == 1
    result = evaluate(x, real, extractor, config, single_class=single, classes=samples.classes)
    rows = result_rows(result, extractor_ref)
    n = len(result.nn_index)
    table = pa.table({
        "index": pa.array(np.arange(n), pa.int64()),
        "nn_index": pa.array(result.nn_index, pa.int64()),
        "nn_distance": pa.array(result.nn_distance, pa.float64()),
        "is_copy": pa.array(result.copies, pa.bool_()),
        "predicted_class": pa.array(result.predicted, pa.int64()) if result.predicted is not None
        else pa.nulls(n, pa.int64()),
    }, schema=NEIGHBOURS)
    nb_name = neighbours_name(samples.sha256)
    stem = nb_name.removesuffix(".parquet")
    nb_parts = sample_parts(samples.model, samples.run, nb_name)
    write_parquet(root, table, *nb_parts)
    # E1 as the notes show it: 50 samples, each above its nearest training image
    shown = min(E1_PAIRS, len(x))
    nearest = np.round(real.train[result.nn_index[:shown]] * 255).astype(np.uint8)
    pairs = side_by_side(x[:shown], nearest)
    fig_parts = sample_parts(samples.model, samples.run, f"{stem}-side-by-side.png")
    write_bytes(root, pairs, *fig_parts)
    log_rows(samples.model, rows, result.verdict)
    return EvalRecord(model=samples.model, dataset=samples.dataset, profile=samples.profile,
                      run=samples.run, samples_sha256=samples.sha256, metrics=rows,
                      verdict=verdict_text(result.verdict), eval_seed=result.seed,
                      pictures={"side_by_side": "/".join(fig_parts)},
                      neighbours_path="/".join(nb_parts))
