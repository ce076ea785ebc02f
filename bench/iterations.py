"""Sample quality against the iteration budget of one model, in one training: how few
iterations a quick-profile recipe needs (issue 20's levers: budgets, a generator weight
average, two learning rates), measured with the dataset's own domain classifier.

The model trains in the quick profile (plus ``--set`` overrides) and, at each budget of
``--at``, stops and its saved sampler draws 2,000 samples, then training resumes from the
checkpoint (the batches differ from an uninterrupted run's only in their shuffle seeds). Per budget it prints
the classifier's mean top-class probability, the classes predicted at least once, the share in
the model's classes (fashion_dcgan: ankle boots) and recall (k = 5, classifier features,
against 2,000 real training images of those classes), with the cumulative training seconds.

It needs a root a quick run has used (its ingested splits and trained domain classifiers):

    .venv/bin/python bench/iterations.py --root ~/.genflow --model dcgan --at 300,500,700,1000 \\
        --set model.ema=0.99
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _newest(root: Path, pattern: str) -> Path:
    found = sorted(root.glob(pattern), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit(f"bench/iterations.py: no {pattern} under {root}: run `genflow run` "
                         "there first")
    return found[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--model", default="dcgan")
    parser.add_argument("--at", default="300,500,700,1000")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=None, help="run folder (default: temp)")
    args = parser.parse_args()

    import tempfile

    import keras

    from genflow.storage.datasets import read_split
    from genflow.storage.root import resolve_root
    from genflow.storage.runs import RunStore
    from genflow.tasks.data.normalise import filter_classes, scale
    from genflow.tasks.evaluation.classifier import extract
    from genflow.tasks.evaluation.prdc import precision_recall
    from genflow.tasks.generation.sampling import latent_mixture, mixture_fit_rows, model_batches
    from genflow.tasks.models import registry
    from genflow.tasks.training import loop
    from genflow.tasks.training.profiles import make_spec, parse_overrides

    budgets = sorted(int(a) for a in args.at.split(","))
    overrides = parse_overrides(args.set)
    base = make_spec(args.model, profile="quick", overrides=overrides)
    dataset, classes = base.dataset, base.train.classes
    data = resolve_root(args.root)
    split = lambda s: _newest(args.root, f"datasets/{dataset}/{s}-*.parquet")  # noqa: E731
    images, labels = read_split(data, str(split("train").relative_to(args.root)))
    images, labels = filter_classes(images, labels, classes)
    x_train = scale(images, base.train.value_range)
    classifier = keras.models.load_model(
        _newest(args.root, f"models/extractor_domain/{dataset}-*/classifier.keras"))
    pick = np.random.default_rng(1).choice(len(images), min(2000, len(images)), replace=False)
    real_feats, _ = extract(classifier, scale(images[pick], "unit"))

    work = args.work or Path(tempfile.mkdtemp(prefix="genflow-iterations-"))
    store = RunStore.for_run(resolve_root(work), args.model, dataset, "e" * 16)
    print(f"{args.model} on {dataset}, quick + {args.set or 'nothing'}; {len(x_train)} images")
    print(f"{'iters':>6}{'train s':>9}{'top p':>8}{'classes':>8}{'in class':>9}{'recall':>8}")
    seconds = 0.0
    for budget in budgets:
        per = {"train": {"steps": budget, "epochs": None}}
        spec = make_spec(args.model, profile="quick", overrides=_merge(overrides, per))
        t0 = time.perf_counter()
        loop.train(spec, x_train, None, store, verbose=False)
        seconds += time.perf_counter() - t0
        sampler, mixture = store.load_keras(), None
        if registry.get(args.model).sampling == "fitted_mixture":  # as generation does
            mixture = latent_mixture(store.load_keras("encoder.keras"),
                                     scale(images[mixture_fit_rows(len(images), 0)], "unit"), 0)
        fake = np.concatenate(list(model_batches(sampler, args.samples, 0, 500,
                                                 spec.train.value_range, mixture)))
        feats, probs = extract(classifier, fake.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0)
        predicted = probs.argmax(1)
        share = np.isin(predicted, classes).mean() if classes else float("nan")
        _, recall = precision_recall(real_feats, feats, k=5)
        print(f"{budget:>6}{seconds:>9.0f}{probs.max(1).mean():>8.3f}"
              f"{len(np.unique(predicted)):>8}{share:>9.3f}{recall:>8.3f}", flush=True)
    return 0


def _merge(a: dict, b: dict) -> dict:
    out = {k: dict(v) for k, v in a.items()}
    for k, v in b.items():
        out.setdefault(k, {}).update(v)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
