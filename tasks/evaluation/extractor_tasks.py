"""Prefect task of the feature extractor, and what an evaluation reads of it.

- ``train-extractor``: the dataset's domain classifier, cached on the dataset's content hashes,
  the extractor config and the code this module runs (``EXTRACTOR_CODE_VERSION``: this module,
  the classifier and what they import; not the evaluation's metrics, generation or the model
  registry, so editing those keeps every trained extractor).
- the reference part's features (splits.py), cached as files in the extractor's folder.
"""

from __future__ import annotations

import logging

import numpy as np
from prefect import task

from genflow.storage.datasets import read_split
from genflow.storage.hashing import code_version, sha256_text
from genflow.storage.root import ArtifactRoot, resolve_root
from genflow.storage.runs import RunStore
from genflow.tasks.data.normalise import filter_classes, scale
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.evaluation.config import EvalConfig
from genflow.tasks.evaluation.extractors import Extractor, check_extractor_name, load_inception
from genflow.tasks.evaluation.records import ExtractorRecord
from genflow.tasks.evaluation.splits import reference_mask
from genflow.tasks.task_policies import key_from_parameters, retry_unless_bad_input

log = logging.getLogger(__name__)
# This module and every genflow module it imports, the classifier's lazy imports included.
EXTRACTOR_CODE_VERSION = code_version(__name__, "genflow.tasks.evaluation.classifier")


def extractor_key(train_ref: SplitRecord, test_ref: SplitRecord, config: EvalConfig) -> str:
    return "extractor-" + sha256_text(config.extractor, str(config.inception_weights),
                                      str(config.classifier_epochs),
                                      str(config.classifier_min_steps), str(config.seed),
                                      train_ref.content_sha256, test_ref.content_sha256,
                                      EXTRACTOR_CODE_VERSION)


def extractor_store(root: ArtifactRoot, name: str, dataset: str, key: str) -> RunStore:
    """The extractor's folder (known from its cache key before it is trained)."""
    return RunStore.for_run(root, f"extractor_{name}", dataset, key.removeprefix("extractor-"))


CLASSIFIER_FILE = "classifier.keras"


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
