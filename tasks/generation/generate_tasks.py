"""Prefect task of the generation stage: N seeded samples in batches + the lecture's pictures.

Cached on the sampling model's sha256, N, seed and the code version.
"""

from __future__ import annotations

import logging

import numpy as np
from prefect import task

from genflow.storage.atomic import write_bytes
from genflow.storage.datasets import read_split
from genflow.storage.figures import side_by_side
from genflow.storage.hashing import code_version, sha256_text
from genflow.storage.png import encode_png, grid, to_uint8
from genflow.storage.root import resolve_root
from genflow.storage.runs import RunStore
from genflow.storage.samples import read_samples, sample_parts, samples_name, write_samples
from genflow.tasks.data.normalise import filter_classes, scale
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.generation import experiments
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.generation.sampling import (
    latent_mixture,
    mixture_fit_rows,
    model_batches,
    pixel_batches,
)
from genflow.tasks.models import registry
from genflow.tasks.models.config import RunSpec
from genflow.tasks.task_policies import key_from_parameters
from genflow.tasks.training.records import TrainRecord

log = logging.getLogger(__name__)
GENERATE_CODE_VERSION = code_version(__name__)  # this module and every genflow module it imports
BATCH = 500


def generate_key(trained: TrainRecord, n: int, seed: int) -> str:
    return "generate-" + sha256_text(trained.sampler_sha256, str(n), str(seed), GENERATE_CODE_VERSION)



@task(name="generate-samples", cache_key_fn=key_from_parameters, persist_result=True, retries=1,
      retry_delay_seconds=1)
def generate_samples(trained: TrainRecord, train_ref: SplitRecord, test_ref: SplitRecord, n: int,
                     seed: int, key: str, root_url: str) -> SampleRecord:
    """Write ``n`` samples of ``trained`` (batches of 500) and its pictures."""
    root = resolve_root(root_url)
    spec = RunSpec.model_validate_json(trained.spec_json)
    store = RunStore(root, trained.model, trained.run)
    run = store.run
    vr = spec.train.value_range
    name = samples_name(n, seed)
    pictures: dict[str, str] = {}
    encoder = decoder = None
    sampling = registry.get(trained.model).sampling
    sampler_file = trained.files["sampler"].rsplit("/", 1)[-1]
    if sampling == "histogram":
        batches = pixel_batches(store.load_arrays(sampler_file)["probs"], n, seed, BATCH)
    else:
        decoder = store.load_keras(sampler_file)
        mixture = None
        if "encoder" in trained.files:
            encoder = store.load_keras(trained.files["encoder"].rsplit("/", 1)[-1])
        if sampling == "fitted_mixture":
            images, labels = read_split(root, train_ref.path)
            images, _ = filter_classes(images, labels, spec.train.classes)
            rows = mixture_fit_rows(len(images), seed)
            mixture = latent_mixture(encoder, scale(images[rows], "unit"), seed)
        batches = model_batches(decoder, n, seed, BATCH, vr, mixture)
    count, digest = write_samples(root, sample_parts(trained.model, run, name), batches,
                                  trained.model, run, seed)
    first = read_samples(root, "/".join(sample_parts(trained.model, run, name)))[:50]

    def picture(label: str, png: bytes) -> None:
        parts = sample_parts(trained.model, run, f"{label}-seed{seed}.png")
        write_bytes(root, png, *parts)
        pictures[label] = "/".join(parts)

    picture("grid", encode_png(grid(first)))
    if encoder is not None:
        t_images, t_labels = read_split(root, test_ref.path)
        t_unit = scale(t_images, "unit")
        picture("noise_sweep", experiments.titled_grid_png(to_uint8(
            experiments.noise_sweep(encoder, decoder, t_unit[:1]), "unit"),
            experiments.sweep_captions()))
        i, j = experiments.same_class_pair(t_labels)
        picture("interpolation", experiments.titled_grid_png(to_uint8(
            experiments.interpolation(encoder, decoder, t_unit[i:i + 1], t_unit[j:j + 1]),
            "unit"), experiments.interpolation_captions()))
        shown = np.random.default_rng(seed).choice(len(t_unit), 10, replace=False)
        picture("reconstructions", side_by_side(
            to_uint8(t_unit[shown], "unit"),
            to_uint8(experiments.reconstruct(encoder, decoder, t_unit[shown]), "unit")))
        picture("latent_map", experiments.latent_scatter_png(
            encoder, t_unit[:1000], t_labels[:1000],
            f"{trained.model} latent codes of the first 1,000 test images"))
        if int(decoder.input.shape[-1]) == 2:
            picture("manifold", encode_png(grid(to_uint8(experiments.manifold(decoder), "unit"),
                                                columns=15)))
    log.info("%s: %d samples -> %s", trained.model, count, "/".join(sample_parts(trained.model, run, name)))
    return SampleRecord(model=trained.model, dataset=trained.dataset, profile=trained.profile,
                        run=run, path="/".join(sample_parts(trained.model, run, name)), n=count,
                        seed=seed, sha256=digest, classes=spec.train.classes, pictures=pictures)


