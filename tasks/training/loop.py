"""Resumable, deterministic training of one model.

Training runs in intervals of ``checkpoint_every`` iterations. After each interval every model
and optimiser variable is checkpointed; a killed run resumes from the last checkpoint and loses
at most one interval. Interval k always shuffles its data with seed ``seed + k * interval``,
so a resumed run sees the same batches as an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from genflow.core.errors import ConfigError
from genflow.storage.png import encode_png, grid, to_uint8
from genflow.storage.runs import RunStore
from genflow.tasks.data.batches import STEPS_PER_CALL, lean, shuffled_batches
from genflow.tasks.models import registry
from genflow.tasks.models.built import Built
from genflow.tasks.models.config import RunSpec
from genflow.tasks.models.pixel import fit_pixel_model, sample_pixel_model
from genflow.tasks.training.devices import plan_devices, use_jit

log = logging.getLogger(__name__)
Progress = Callable[[int, int, dict[str, float]], None]


@dataclass
class TrainOutcome:
    """What a finished training produced (files are relative to the root)."""

    steps: int
    resumed_from: int
    seconds: float
    images_per_second: float
    final: dict[str, float]
    grids: list[str]
    files: dict[str, str] = field(default_factory=dict)
    devices: str = "CPU"


def total_steps(spec: RunSpec, n_train: int) -> int:
    t = spec.train
    return max(1, math.ceil(t.epochs * n_train / t.batch_size)) if t.epochs else t.steps


def steps_per_call(spec: RunSpec, total: int) -> int:
    """Iterations per compiled call: the setting ("auto": 10) reduced to a common divisor of
    checkpoint_every, grid_every and ``total``, so every interval is whole calls and
    checkpoints and grids fall on call boundaries."""
    t = spec.train
    wanted = STEPS_PER_CALL if t.steps_per_execution == "auto" else t.steps_per_execution
    return max(1, math.gcd(wanted, t.checkpoint_every, t.grid_every, total))


def train(spec: RunSpec, x_train: np.ndarray, x_test: np.ndarray | None, store: RunStore,
          progress: Progress | None = None, verbose: bool = True) -> TrainOutcome:
    """Train ``spec`` on ``x_train``, resuming from ``store``'s checkpoint if there is one.

    Args:
        x_train: float32 (N, 28, 28, 1) in the spec's value range (uint8 for "pixel").
        x_test: same layout, for validation and reconstruction grids (may be None).
        store: where checkpoints, history, grids and the models go.
        progress: called after every compiled call (steps_per_call iterations) with (step,
            total, that call's mean metrics).

    Raises:
        ConfigError: shapes that do not fit together (pre-flight), or too few images.
    """
    entry = registry.get(spec.model.name)
    if entry.kind == "pixel":
        return _train_pixel(spec, x_train, store)
    if len(x_train) < spec.train.batch_size:
        raise ConfigError(f"{len(x_train)} training images is fewer than batch_size "
                          f"{spec.train.batch_size}")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(spec.train.seed)
    tf.config.experimental.enable_op_determinism()
    total = total_steps(spec, len(x_train))
    per_call = steps_per_call(spec, total)
    with plan_devices(spec.train.mixed_precision) as plan:
        jit = use_jit(entry.jit_on_cpu, spec.train.jit_compile, plan.gpus)
        with plan.strategy.scope():
            built = entry.build(spec.model, spec.train, jit_compile=jit,
                                mixed_precision=plan.loss_scaling)
            state = _state_variables(built)
        if plan.replicas > 1:  # Keras 3.15's multi-step loop fails under MirroredStrategy
            per_call = 1  # ("You must feed a value for placeholder tensor"): one per call
        built.model.steps_per_execution = per_call  # before the first fit traces it
        start, history = _restore(store, state)
        if start:
            log.info("%s: resuming from checkpoint at iteration %d of %d", store.run, start, total)
        x_train = x_train.reshape(len(x_train), -1) if built.flat_images else x_train
        recorder = _recorder_class()(spec, built, store, x_test, total, history, progress, verbose)
        t0, done = time.perf_counter(), start
        while done < total:
            n = min(spec.train.checkpoint_every - done % spec.train.checkpoint_every, total - done)
            data = _dataset(x_train, spec.train.batch_size, spec.train.seed + done, built.kind)
            val = None
            if spec.train.validation and x_test is not None and built.kind in ("autoencoder", "vae"):
                val = _dataset(x_test, spec.train.batch_size, 0, built.kind, repeat=False)
            recorder.offset = done
            built.model.fit(data, steps_per_epoch=n, epochs=1, verbose=0, callbacks=[recorder],
                            shuffle=False, validation_data=val)
            done += n
            # History first: a worker killed between the two then resumes from the previous
            # checkpoint (``_restore`` drops the rows past it) instead of from this one with
            # this segment's rows lost (tests/remote/test_s3_root.py saw step 10 missing).
            store.write_history(recorder.rows)
            store.save_checkpoint(done, {f"v{i:04d}": v.numpy() for i, v in enumerate(state)})
        seconds = time.perf_counter() - t0
        files = {"sampler": store.save_keras(built.sampler)}
        if built.encoder is not None:
            files["encoder"] = store.save_keras(built.encoder, "encoder.keras")
        for name, part in built.parts.items():  # the discriminator, for users to probe
            files[name] = store.save_keras(part, f"{name}.keras")
        recorder.write_grid(total, force=True)
    trained = total - start
    return TrainOutcome(
        steps=total, resumed_from=start, seconds=seconds,
        images_per_second=trained * spec.train.batch_size / seconds if seconds > 0 else 0.0,
        final=recorder.latest, grids=recorder.grids, files=files, devices=plan.description)


def _state_variables(built: Built) -> list[Any]:
    """Every variable a checkpoint must hold, in a fixed order (optimisers built first)."""
    model = built.model
    if built.kind == "gan":
        model.d_optimizer.build(model.discriminator.trainable_variables)
        model.g_optimizer.build(model.generator.trainable_variables)
        optimizers = [model.d_optimizer, model.g_optimizer]
    else:
        model.optimizer.build(model.trainable_variables)
        optimizers = [model.optimizer]
    return list(model.variables) + [v for opt in optimizers for v in opt.variables]


def _restore(store: RunStore, state: list[Any]) -> tuple[int, list[tuple[int, str, float]]]:
    ckpt = store.load_checkpoint()
    if ckpt is None:
        return 0, []
    step, arrays = ckpt
    if len(arrays) != len(state):
        raise ConfigError(f"{store.path('checkpoint.npz')}: holds {len(arrays)} variables, the "
                          f"model has {len(state)}; delete the run folder to start over")
    for i, var in enumerate(state):
        value = arrays[f"v{i:04d}"]
        if tuple(value.shape) != tuple(var.shape):
            raise ConfigError(f"{store.path('checkpoint.npz')}: variable {i} has shape "
                              f"{value.shape}, model expects {tuple(var.shape)}")
        var.assign(value)
    return step, [r for r in store.read_history() if r[0] <= step]


def _dataset(x: np.ndarray, batch: int, seed: int, kind: str, repeat: bool = True) -> Any:
    ds = shuffled_batches(x, batch, seed, repeat=repeat)
    if kind == "autoencoder":
        ds = ds.map(lambda b: (b, b))
    return lean(ds)


def _train_pixel(spec: RunSpec, images: np.ndarray, store: RunStore) -> TrainOutcome:
    t0 = time.perf_counter()
    probs = fit_pixel_model(images)
    seconds = time.perf_counter() - t0
    samples = sample_pixel_model(probs, spec.train.grid_samples, seed=spec.train.seed)
    files = {"sampler": store.save_arrays("pixel.npz", probs=probs)}
    grid_file = store.write_grid(1, encode_png(grid(samples)))
    store.write_history([(1, "n_images", float(len(images)))])
    return TrainOutcome(steps=1, resumed_from=0, seconds=seconds,
                        images_per_second=len(images) / seconds if seconds else 0.0,
                        final={"n_images": float(len(images))}, grids=[grid_file], files=files)


def _recorder_class() -> type:
    import keras

    class Recorder(keras.callbacks.Callback):
        """Per-iteration history, progress grids and Keras-style progress."""

        def __init__(self, spec: RunSpec, built: Built, store: RunStore, x_test: np.ndarray | None,
                     total: int, rows: list[tuple[int, str, float]], progress: Progress | None,
                     verbose: bool) -> None:
            super().__init__()
            self.spec, self.built, self.store, self.total = spec, built, store, total
            self.rows, self.progress, self.offset = rows, progress, 0
            self.latest: dict[str, float] = {}
            self.grids: list[str] = []
            # A bar redraws in place: on a terminal only. Elsewhere (a log file, a worker) each
            # checkpoint interval is one log line.
            self.bar = (keras.utils.Progbar(total, stateful_metrics=None)
                        if verbose and sys.stdout.isatty() else None)
            self._prev: dict[str, float] = {}
            self._prev_count = 0
            zdim = spec.model.zdim
            rng = np.random.default_rng(spec.train.seed + 7919)
            self.noise = rng.standard_normal((spec.train.grid_samples, zdim)).astype(np.float32)
            # a seeded draw: the MNIST sample's test split is stored sorted by label
            self.originals = (x_test[rng.choice(len(x_test), min(10, len(x_test)),
                                                replace=False)]
                              if x_test is not None else None)

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._prev, self._prev_count = {}, 0

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            # ``batch`` is the last iteration of this call (steps_per_execution per call).
            # Keras reports running means over the interval; recover this call's mean.
            count = batch + 1
            step = self.offset + count
            for k, mean in (logs or {}).items():
                mean = float(mean)
                value = ((count * mean - self._prev_count * self._prev.get(k, 0.0))
                         / (count - self._prev_count))
                self._prev[k] = mean
                self.latest[k] = value
                self.rows.append((step, k, value))
            self._prev_count = count
            if self.bar is not None:
                self.bar.update(step, values=None, finalize=step == self.total)
            if self.progress is not None:
                self.progress(step, self.total, self.latest)
            self.write_grid(step)

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            step = self.offset + (self.params or {}).get("steps", 0)
            for k, v in (logs or {}).items():
                if k.startswith("val_"):
                    self.latest[k] = float(v)
                    self.rows.append((step, k, float(v)))
            if self.bar is None:
                log.info("%s: iteration %d/%d %s", self.store.run, step, self.total,
                         " ".join(f"{k}={v:.4f}" for k, v in self.latest.items()))

        def write_grid(self, step: int, force: bool = False) -> None:
            if not force and step % self.spec.train.grid_every:
                return
            vr = self.spec.train.value_range
            if self.built.kind == "autoencoder" and self.originals is not None:
                recon = self.built.model.predict(self.originals, verbose=0)
                images = np.concatenate([to_uint8(self.originals, vr), to_uint8(recon, vr)])
            else:
                images = to_uint8(self.built.sampler.predict(self.noise, verbose=0), vr)
            self.grids.append(self.store.write_grid(step, encode_png(grid(images.reshape(-1, 28, 28)))))

    return Recorder
