"""Prefect tasks of the evaluation stage.

- ``train-extractor``: the dataset's domain classifier, cached on the dataset's content hashes.
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
from genflow.storage.hashing import code_version, sha256_text
from genflow.storage.parquet import write_parquet
from genflow.storage.root import ArtifactRoot, resolve_root
from genflow.storage.runs import RunStore
from genflow.storage.samples import neighbours_name, read_samples, sample_parts
from genflow.tasks.data.normalise import filter_classes, scale
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation.config import EvalConfig
from genflow.tasks.evaluation.evaluate import EvalResult, RealSets, evaluate
from genflow.tasks.evaluation.extractors import Extractor, check_extractor_name, load_inception
from genflow.tasks.evaluation.fid import feature_statistics
from genflow.tasks.evaluation.neighbours import index_for
from genflow.tasks.evaluation.records import EvalRecord, ExtractorRecord
from genflow.tasks.evaluation.splits import reference_mask
from genflow.tasks.evaluation.verdict import verdict_detail, verdict_text
from genflow.tasks.generation.generate_tasks import side_by_side
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



def extractor_key(train_ref: SplitRecord, test_ref: SplitRecord, config: EvalConfig) -> str:
    return "extractor-" + sha256_text(config.extractor, str(config.inception_weights),
                                      str(config.classifier_epochs),
                                      str(config.classifier_min_steps), str(config.seed),
                                      train_ref.content_sha256, test_ref.content_sha256,
                                      EVAL_CODE_VERSION)


def extractor_store(root: ArtifactRoot, name: str, dataset: str, key: str) -> RunStore:
    """The extractor's folder (known from its cache key before it is trained)."""
    return RunStore.for_run(root, f"extractor_{name}", dataset, key.removeprefix("extractor-"))


CLASSIFIER_FILE = "classifier.keras"
E1_PAIRS = 50


def extractor_exists(root: ArtifactRoot, config: EvalConfig, dataset: str, key: str) -> bool:
    """The extractor's stored files are still there (InceptionV3 is loaded from the user's file)."""
    return config.extractor != "domain" or root.exists(
        *extractor_store(root, "domain", dataset, key).parts(CLASSIFIER_FILE))


def _extractor_store(root: ArtifactRoot, record: ExtractorRecord) -> RunStore:
    return extractor_store(root, record.name, record.dataset, record.key)


@task(name="train-extractor", cache_key_fn=key_from_parameters, persist_result=True, retries=1,
      retry_condition_fn=retry_unless_bad_input)
def train_extractor(train_ref: SplitRecord, test_ref: SplitRecord, config: EvalConfig, key: str,
                    root_url: str) -> ExtractorRecord:
    """Train (domain) or check (inception) the feature extractor of a dataset."""
    root = resolve_root(root_url)
    name = check_extractor_name(config.extractor)
    record = ExtractorRecord(name=name, dataset=train_ref.dataset, path=None, dim=2048,
                             test_accuracy=None, test_images=0, key=key)
    if name == "inception":
        load_inception(config.inception_weights)  # fails early and clearly without weights
        return record
    from genflow.tasks.evaluation.classifier import FEATURE_DIM, train_domain_classifier

    x, y = read_split(root, train_ref.path)
    xt, yt = read_split(root, test_ref.path)
    own = ~reference_mask(len(x), config.seed)  # never the reference (splits.py)
    x, y = x[own], y[own]
    model, accuracy = train_domain_classifier(scale(x, "unit"), y, scale(xt, "unit"), yt,
                                              epochs=config.classifier_epochs, seed=config.seed,
                                              min_steps=config.classifier_min_steps)
    record = record.model_copy(update={"dim": FEATURE_DIM, "test_accuracy": accuracy,
                                       "test_images": int(len(yt))})
    store = _extractor_store(root, record)
    record.path = store.save_keras(model, CLASSIFIER_FILE)
    log.info("%s domain classifier: test accuracy %.4f on %d images", train_ref.dataset,
             accuracy, len(yt))
    return record


def extractor_for(train_ref: SplitRecord, test_ref: SplitRecord, config: EvalConfig,
                  root: ArtifactRoot) -> ExtractorRecord:
    """The dataset's extractor through the cached ``train-extractor`` task (inside a flow);
    a cache entry whose files were deleted is recomputed, not trusted."""
    from genflow.storage.results import result_storage

    key = extractor_key(train_ref, test_ref, config)
    stale = not extractor_exists(root, config, train_ref.dataset, key)
    return train_extractor.with_options(result_storage=result_storage(root),
                                        refresh_cache=stale)(train_ref, test_ref, config, key,
                                                             root.url)


def load_extractor(root: ArtifactRoot, record: ExtractorRecord, config: EvalConfig) -> Extractor:
    if record.name == "inception":
        return load_inception(config.inception_weights)
    return Extractor(name="domain", dim=record.dim,
                     model=_extractor_store(root, record).load_keras(CLASSIFIER_FILE))


def reference_features(root: ArtifactRoot, record: ExtractorRecord, extractor: Extractor,
                       split: SplitRecord, classes: list[int] | None, seed: int) -> np.ndarray:
    """float64 (r, d) features of the reference part of the training split (splits.py), after
    the class filter; cached per dataset, split content, classes, extractor and seed."""
    store = _extractor_store(root, record)
    tag = "all" if classes is None else "-".join(map(str, classes))
    name = f"reference-{split.split}-{split.content_sha256[:12]}-{tag}-seed{seed}.npz"
    if root.exists(*store.parts(name)):
        return store.load_arrays(name)["features"]
    images, labels = read_split(root, split.path)
    mask = reference_mask(len(images), seed)
    images, _ = filter_classes(images[mask], labels[mask], classes)
    features = extractor.features(scale(images, "unit"))[0]
    store.save_arrays(name, features=features)
    return features


def load_real_sets(root: ArtifactRoot, train_ref: SplitRecord, test_ref: SplitRecord,
                   extractor_ref: ExtractorRecord, extractor: Extractor,
                   classes: list[int] | None, config: EvalConfig) -> RealSets:
    """The real side of an evaluation of images of ``classes`` (None: all)."""
    train, train_labels = read_split(root, train_ref.path)
    train, _ = filter_classes(train, train_labels, classes)
    test, test_labels = read_split(root, test_ref.path)
    test, _ = filter_classes(test, test_labels, classes)
    train_f = scale(train, "unit")
    reference = reference_features(root, extractor_ref, extractor, train_ref, classes,
                                   config.seed)
    tag = "all" if classes is None else "-".join(map(str, classes))
    index = index_for(f"{train_ref.content_sha256}-{tag}", train_f)
    return RealSets(train=train_f, heldout=scale(test, "unit"), reference=reference,
                    reference_stats=feature_statistics(reference), index=index,
                    key=f"{train_ref.content_sha256}-{test_ref.content_sha256}-{tag}")


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
