"""GPU check: the lecture DCGAN (P7) trained on this machine's NVIDIA GPU(s) in float16.

Needs TensorFlow's CUDA build (``.venv/bin/pip install -e ".[gpu]"``). On a GPU machine:

1. The lecture-profile DCGAN, built through the model registry under the project's device
   plan (float16 mixed precision, LossScaleOptimizer, XLA, several GPUs mirrored), trained for
   ``--iterations`` iterations (default 200) by the training loop's ``fit`` over its tf.data
   pipeline. Printed: images/s of the timed iterations (after a warm-up call that traces and
   compiles), both optimisers' current loss scale, the largest change of a generator weight
   (> 0: training moved the weights), the GPU name(s), TensorFlow, CUDA and cuDNN versions.
2. Unless ``--skip-run``: ``genflow run --profile lecture --models dcgan`` through the CLI in a
   temporary artifact root with its own Prefect server (nothing cached), its wall time and the
   metrics table it printed (FID etc.).

On a CPU-only machine it prints one line saying no GPU was found (and whether this TensorFlow
is a CUDA build) and exits 0 without training. Exit 1 if the weights did not move, a loss
scale is not finite or the run failed.

    .venv/bin/python bench/gpu.py [--iterations 200] [--skip-run]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MODEL = "dcgan"
PROFILE = "lecture"
# Random images in the DCGAN's [-1, 1] range: speed and loss scaling do not depend on what
# the pixels show, and the check needs no data set; the `genflow run` below trains on MNIST.
N_IMAGES = 4096


@dataclass(frozen=True)
class GpuTraining:
    """What the timed training on the GPU(s) showed."""

    devices: str
    policy: str
    iterations: int
    per_call: int
    batch: int
    images_per_second: float
    loss_scales: dict[str, float]
    max_weight_change: float
    means: dict[str, float]  # each logged metric's mean over the timed iterations


def gpu_names(gpus: list) -> list[str]:
    """The devices' marketing names ("NVIDIA A100-SXM4-40GB"), else TensorFlow's names."""
    import tensorflow as tf

    return [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]


def train_on_gpu(iterations: int) -> GpuTraining:
    """Train the lecture DCGAN ``iterations`` iterations as genflow's loop does and time it.

    Raises:
        RuntimeError: the device plan did not choose float16 with loss scaling.
    """
    import keras
    import numpy as np

    from genflow.tasks.models import registry
    from genflow.tasks.training.devices import plan_devices, use_jit
    from genflow.tasks.training.loop import _dataset, steps_per_call
    from genflow.tasks.training.profiles import make_spec

    spec = make_spec(MODEL, profile=PROFILE)
    entry = registry.get(MODEL)
    batch = spec.train.batch_size
    keras.utils.set_random_seed(spec.train.seed)
    rng = np.random.default_rng(spec.train.seed)
    x = rng.uniform(-1.0, 1.0, (N_IMAGES, 28, 28, 1)).astype(np.float32)
    per_call = steps_per_call(spec, iterations)
    with plan_devices(spec.train.mixed_precision) as plan:
        if not plan.loss_scaling:
            raise RuntimeError(f"device plan chose {plan.policy} on {plan.description}, "
                               "not float16 with loss scaling")
        jit = use_jit(entry.jit_on_cpu, spec.train.jit_compile, plan.gpus)
        with plan.strategy.scope():
            built = entry.build(spec.model, spec.train, jit_compile=jit,
                                mixed_precision=plan.loss_scaling)
        if plan.replicas > 1:  # as the loop: Keras 3.15's multi-step loop fails when mirrored
            per_call = 1
        gan = built.model
        gan.steps_per_execution = per_call
        data = _dataset(x, batch, spec.train.seed, built.kind)
        gan.fit(data, steps_per_epoch=per_call, epochs=1, verbose=0,  # trace + XLA compile
                shuffle=False)
        weights = gan.generator.trainable_weights  # not BatchNorm's moving statistics
        before = [w.numpy() for w in weights]
        t0 = time.perf_counter()
        history = gan.fit(data, steps_per_epoch=iterations, epochs=1, verbose=0,
                          shuffle=False)
        # the metrics' means depend on every iteration: read, the GPU has finished them all
        means = {k: float(v[-1]) for k, v in history.history.items()}
        seconds = time.perf_counter() - t0
        change = max(float(np.max(np.abs(w.numpy() - b)))
                     for w, b in zip(weights, before, strict=True))
        scales = {name: float(opt.dynamic_scale.numpy()) for name, opt in
                  (("discriminator", gan.d_optimizer), ("generator", gan.g_optimizer))}
    return GpuTraining(
        devices=plan.description, policy=plan.policy, iterations=iterations, per_call=per_call,
        batch=batch, images_per_second=iterations * batch / seconds, loss_scales=scales,
        max_weight_change=change, means=means)


def genflow_command(root: Path) -> list[str]:
    """The lecture run of the DCGAN through the installed CLI (else this Python's module)."""
    script = Path(sys.executable).parent / "genflow"
    cli = [str(script)] if script.is_file() else [sys.executable, "-m", "genflow.cli"]
    return [*cli, "run", "--profile", PROFILE, "--models", MODEL, "--root", str(root)]


def summary_lines(output: str) -> list[str]:
    """The metrics table `genflow run` printed (header to the floor note) and its stage times."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("model ")), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(lines)) if "real-data floor" in lines[i]), start)
    stages = [line for line in lines[end + 1:] if "wall time per stage" in line]
    return lines[start:end + 1] + stages


def run_pipeline() -> bool:
    """``genflow run`` in a temporary root; print its wall time and metrics table."""
    tmp = Path(tempfile.mkdtemp(prefix="genflow-gpu-"))
    root, log = tmp / "root", tmp / "run.log"
    # a cold run of its own: its Prefect home and temporary server under the root
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") and k != "GENFLOW_HOME"}
    env["PYTHONUNBUFFERED"] = "1"
    cmd = genflow_command(root)
    print(f"running: {' '.join(cmd)}  (log {log})", flush=True)
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - t0
    output = log.read_text()
    print(f"genflow run --profile {PROFILE} --models {MODEL}: {seconds:.1f} s wall time, "
          f"exit {proc.returncode}")
    table = summary_lines(output)
    if proc.returncode != 0 or not table:
        print(output[-3000:])
        print(f"kept for a look: {tmp}")
        return False
    print("\n".join(table))
    shutil.rmtree(tmp, ignore_errors=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200,
                        help="timed training iterations (default 200)")
    parser.add_argument("--skip-run", action="store_true",
                        help="only the timed training, no `genflow run`")
    args = parser.parse_args()
    if args.iterations < 1:
        parser.error(f"--iterations {args.iterations}: must be at least 1")

    from genflow.core.quiet import import_tensorflow_quietly, quiet_tensorflow_defaults

    quiet_tensorflow_defaults()
    import_tensorflow_quietly()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    cuda = tf.test.is_built_with_cuda()
    if not gpus:
        build = "a CUDA build" if cuda else "a CPU-only build (no CUDA)"
        print(f"no GPU found: TensorFlow {tf.__version__} is {build}; nothing trained")
        return 0

    info = tf.sysconfig.get_build_info()
    print(f"GPU(s): {', '.join(gpu_names(gpus))}; TensorFlow {tf.__version__} "
          f"(CUDA {info.get('cuda_version', '?')}, cuDNN {info.get('cudnn_version', '?')})")
    result = train_on_gpu(args.iterations)
    print(f"{MODEL} ({PROFILE} profile, batch {result.batch}) on {result.devices} "
          f"[{result.policy}]: {result.iterations} iterations, {result.per_call} per call, "
          f"{result.images_per_second:.0f} images/s after a warm-up call")
    print("loss scale: " + ", ".join(f"{k} {v:g}" for k, v in result.loss_scales.items()))
    print(f"generator weights moved: max |after - before| of its trainable weights = "
          f"{result.max_weight_change:.3g}")
    print("means over the timed iterations: " + " ".join(f"{k}={v:.4f}" for k, v in result.means.items()))
    ok = result.max_weight_change > 0 and all(map(math.isfinite, result.loss_scales.values()))
    if not ok:
        print("FAILED: the weights did not move or a loss scale is not finite")
    if not args.skip_run:
        ok = run_pipeline() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
