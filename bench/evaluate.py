"""Quick-profile evaluation of one model's samples on 2 cores: the pure evaluation (features,
intervals, FD∞, 1-NN C2ST, memorisation with C_T, authenticity and the train-vs-held-out gap)
of 2,000 images against the full Fashion-MNIST, timed the way the pipeline calls it: the first
model of a run (builds the neighbour index, searches the floor and baseline, judges the power
controls at this N) and every later model (reuses them).
Goal: within 60 s per model. The domain extractor is trained once (cached under --work).

    .venv/bin/python bench/evaluate.py [--work /tmp/genflow-bench-eval] [--train-seconds S]

--train-seconds prints the ratio to a training time you measured (e.g. bench/pipeline.py's).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from genflow.tasks.data.idx import read_idx_folder
from genflow.tasks.data.normalise import scale
from genflow.tasks.evaluation.config import eval_config_for
from genflow.tasks.evaluation.evaluate import RealSets, evaluate
from genflow.tasks.evaluation.extractors import Extractor
from genflow.tasks.evaluation.fid import feature_statistics
from genflow.tasks.evaluation.neighbours import NeighbourIndex
from genflow.tasks.evaluation.splits import reference_mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idx", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/genflow-bench-eval"))
    parser.add_argument("--train-seconds", type=float)
    args = parser.parse_args()
    import keras

    from genflow.tasks.evaluation.classifier import train_domain_classifier

    (x, y), (xt, yt) = read_idx_folder(args.idx, "train"), read_idx_folder(args.idx, "test")
    config = eval_config_for("quick")
    mask = reference_mask(len(x), config.seed)
    model_path = args.work / "classifier.keras"
    if model_path.exists():
        model = keras.saving.load_model(model_path)
    else:
        args.work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        model, acc = train_domain_classifier(scale(x[~mask], "unit"), y[~mask], scale(xt, "unit"),
                                             yt, epochs=config.classifier_epochs,
                                             seed=config.seed,
                                             min_steps=config.classifier_min_steps)
        model.save(model_path)
        print(f"extractor trained once per dataset: {time.perf_counter() - t0:.1f} s, "
              f"test accuracy {acc:.4f}")
    extractor = Extractor("domain", 128, model)
    train = scale(x, "unit")
    rng = np.random.default_rng(1)
    times = []
    for model_no in (1, 2, 3):
        samples = np.clip(train[rng.permutation(len(train))[:2000]]
                          + rng.normal(0, 0.1, (2000, 28, 28, 1)), 0, 1).astype(np.float32)
        t0 = time.perf_counter()
        if model_no == 1:  # what the first model of a run pays on top: the real side
            reference = extractor.features(train[mask])[0]
            index = NeighbourIndex(train)
            real = RealSets(train=train, heldout=scale(xt, "unit"), reference=reference,
                            reference_stats=feature_statistics(reference), index=index,
                            key="bench", heldout_labels=yt)
        result = evaluate(samples, real, extractor, config, single_class=False)
        times.append(time.perf_counter() - t0)
        print(f"model {model_no}: {times[-1]:6.1f} s for {len(samples)} samples, "
              f"{len(result.rows)} metric rows, verdict {result.verdict or 'ok'}")
    later = float(np.median(times[1:]))
    print(f"evaluation per model: first {times[0]:.1f} s, later {later:.1f} s "
          f"(goal <= 60 s: {'met' if max(times) <= 60 else 'MISSED'})")
    if args.train_seconds:
        print(f"beside training: {args.train_seconds:.0f} s of training -> evaluation is "
              f"{times[0] / args.train_seconds:.2f}x of it (first model)")


if __name__ == "__main__":
    main()
