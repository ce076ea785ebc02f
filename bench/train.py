"""Training speed against the lecture's code, all measured in one run.

1. images/s of one training iteration for mlp_gan and dcgan: genflow's compiled GradientTape
   step (driven by fit over a tf.data pipeline, as genflow trains) vs the lecture's
   train_on_batch recipe, fixed for Keras 3 (D.trainable toggled before every call, else D
   silently stops learning). Same batch, same networks. Goal: MLP GAN >= 5x.
2. DCGAN achieved GFLOP/s (analytic FLOPs of an iteration / measured time) vs a dense float32
   matmul measured in the same run. Goal: >= 85 %.
3. P1 pixel model: fit on the digit-0 images + 20 samples, vectorised vs the lecture's Python
   loops (np.random.choice per pixel). Goal: >= 100x.

    .venv/bin/python bench/train.py [--iterations 40] [--csv PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def lecture_recipe(g, d, zdim: int, batch: int):
    """The notes' loop, with the Keras 3 fix (trainable toggled before each train_on_batch)."""
    import keras

    d.compile(optimizer=keras.optimizers.Adam(2e-4), loss="binary_crossentropy")
    d.trainable = False
    z = keras.Input((zdim,))
    combined = keras.Model(z, d(g(z)))
    combined.compile(optimizer=keras.optimizers.Adam(2e-4), loss="binary_crossentropy")
    ones, zeros = np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)
    rng = np.random.default_rng(0)

    def step(real: np.ndarray) -> None:
        d.trainable = True
        d.train_on_batch(real, ones)
        fake = g.predict(rng.standard_normal((batch, zdim)).astype(np.float32), verbose=0)
        d.train_on_batch(fake, zeros)
        d.trainable = False
        combined.train_on_batch(rng.standard_normal((batch, zdim)).astype(np.float32), ones)

    return step


def time_lecture(model: str, x: np.ndarray, batch: int, iterations: int) -> float:
    from genflow.tasks.models.registry import build
    from genflow.tasks.training.profiles import make_spec

    spec = make_spec(model, profile="lecture", overrides={"train": {"batch_size": batch}})
    built = build(spec.model, spec.train)
    step = lecture_recipe(built.sampler, built.parts["discriminator"], spec.model.zdim, batch)
    rng = np.random.default_rng(1)
    batches = [x[rng.integers(0, len(x), batch)] for _ in range(iterations + 3)]
    for b in batches[:3]:
        step(b)
    t0 = time.perf_counter()
    for b in batches[3:]:
        step(b)
    return (time.perf_counter() - t0) / iterations


def time_genflow(model: str, x: np.ndarray, batch: int, iterations: int) -> tuple[float, object]:
    from genflow.tasks.models import registry
    from genflow.tasks.models.registry import build
    from genflow.tasks.training.devices import use_jit
    from genflow.tasks.training.loop import _dataset
    from genflow.tasks.training.profiles import make_spec

    spec = make_spec(model, profile="lecture", overrides={"train": {"batch_size": batch}})
    built = build(spec.model, spec.train, jit_compile=use_jit(registry.get(model).jit_on_cpu, "auto", 0))
    data = _dataset(x, batch, 0, "gan")
    built.model.fit(data, steps_per_epoch=3, epochs=1, verbose=0, shuffle=False)  # trace + warm up
    t0 = time.perf_counter()
    built.model.fit(data, steps_per_epoch=iterations, epochs=1, verbose=0, shuffle=False)
    return (time.perf_counter() - t0) / iterations, built


def forward_flops(model) -> float:
    """2 x multiply-adds of the Conv2D and Dense layers for one image."""
    from keras import layers

    total = 0.0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            h, w, cout = layer.output.shape[1:]
            k = layer.kernel_size[0] * layer.kernel_size[1]
            total += 2.0 * h * w * cout * k * layer.input.shape[-1]
        elif isinstance(layer, layers.Dense):
            total += 2.0 * layer.input.shape[-1] * layer.units
    return total


def matmul_gflops(n: int = 1024, repeats: int = 20) -> float:
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    f = tf.function(lambda: tf.matmul(a, b))
    f().numpy()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f().numpy()
        times.append(time.perf_counter() - t0)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def lecture_pixel(images: np.ndarray, n: int) -> np.ndarray:
    counts = np.zeros((28, 28, 256))
    for img in images[:, :, :, 0]:
        for r in range(28):
            for c in range(28):
                counts[r, c, img[r, c]] += 1
    probs = counts / len(images)
    out = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        for r in range(28):
            for c in range(28):
                out[i, r, c] = np.random.choice(256, p=probs[r, c])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--csv", type=Path,
                        default=Path(os.environ.get("GENFLOW_SAMPLE_CSV",
                                                    "~/.cache/genflow/mnist_5k.csv.gz")).expanduser())
    args = parser.parse_args()

    from genflow.tasks.data.csv_sample import read_label_last_csv
    from genflow.tasks.data.normalise import filter_classes, scale
    from genflow.tasks.models.pixel import fit_pixel_model, sample_pixel_model

    images, labels = read_label_last_csv(args.csv)
    sym = scale(images, "symmetric")

    print("1. one training iteration (D on real + D on fake + G through D), images/s = batch / time")
    for model, batch, x in (("mlp_gan", 64, sym.reshape(-1, 784)), ("mlp_gan", 128, sym.reshape(-1, 784)),
                            ("mlp_gan", 512, sym.reshape(-1, 784)),
                            ("dcgan", 64, sym)):
        iters = args.iterations if model == "mlp_gan" else max(10, args.iterations // 2)
        ours, built = time_genflow(model, x, batch, iters)
        lecture = time_lecture(model, x, batch, iters)
        print(f"   {model:8} batch {batch:4}: genflow {batch / ours:8.0f} img/s   lecture recipe "
              f"{batch / lecture:8.0f} img/s   -> {lecture / ours:5.2f}x")
        if model == "dcgan":
            g_f = forward_flops(built.sampler)
            d_f = forward_flops(built.parts["discriminator"])
            # fwd+bwd = 3x fwd: D real 3D, fakes 1G, D fake 3D, G step 3G + 3D (through D).
            per_iter = batch * (9 * d_f + 4 * g_f)
            achieved = per_iter / ours / 1e9
            peak = matmul_gflops()
            print(f"2. dcgan: {per_iter / 1e9:.2f} GFLOP per iteration -> {achieved:.1f} GFLOP/s; "
                  f"dense matmul {peak:.1f} GFLOP/s -> {100 * achieved / peak:.0f} % (goal >= 85 %)")

    zeros, _ = filter_classes(images, labels, [0])
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        sample_pixel_model(fit_pixel_model(zeros), 20, seed=0)
        runs.append(time.perf_counter() - t0)
    ours = statistics.median(runs)
    t0 = time.perf_counter()
    lecture_pixel(zeros, 20)
    lecture = time.perf_counter() - t0
    print(f"3. pixel model, fit on {len(zeros)} zeros + 20 samples: genflow {ours * 1000:.1f} ms, "
          f"lecture loops {lecture:.2f} s -> {lecture / ours:.0f}x (goal >= 100x)")


if __name__ == "__main__":
    main()
