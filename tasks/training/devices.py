"""Device selection: a GPU when there is one (float16 mixed precision with loss scaling,
MirroredStrategy for several), the CPU otherwise. On a CPU with bfloat16 instructions
(AVX512_BF16 or AMX_BF16) training runs under Keras's ``mixed_bfloat16`` policy: bfloat16
keeps float32's exponent range, so it needs no loss scaling, and measured on this project's
2-core CPU it is 2.4x faster for the DCGAN step (bench/train.py). XLA on GPUs, and on a CPU
only for models whose registry entry says it helps there (measured here: none; it made every
lecture model 3-8x slower).

The precision policy is process-wide in Keras; ``plan_devices`` is used as a context manager
(``with plan_devices(...) as plan:``) so the policy is restored after training and the
evaluation's extractor, built later in the same process, stays float32.

``GENFLOW_CPU_REPLICAS=N`` splits the CPU into N logical devices and mirrors over them: the
only way to exercise the multi-device path on a machine without GPUs (used by the tests).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
CPU_REPLICAS_ENV = "GENFLOW_CPU_REPLICAS"


POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


@dataclass(frozen=True)
class DevicePlan:
    """What training runs on. ``strategy`` is a tf.distribute strategy; ``policy`` one of
    POLICIES; ``loss_scaling``: float16 needs a LossScaleOptimizer (bfloat16 does not)."""

    strategy: Any
    gpus: int
    replicas: int
    policy: str
    description: str

    @property
    def loss_scaling(self) -> bool:
        return self.policy == "mixed_float16"


def cpu_has_bf16() -> bool:
    """The CPU has native bfloat16 arithmetic (AVX512_BF16 or AMX_BF16; Linux flags)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def choose_policy(mixed_precision: bool | str, gpus: int) -> str:
    """The precision policy: "auto" is float16 mixed precision on a GPU, bfloat16 on a CPU
    that has it (it was faster for every lecture model here), float32 otherwise; True forces
    mixed precision of the device's kind, False float32."""
    if mixed_precision == "auto":
        if gpus:
            return "mixed_float16"
        return "mixed_bfloat16" if cpu_has_bf16() else "float32"
    if not mixed_precision:
        return "float32"
    return "mixed_float16" if gpus else "mixed_bfloat16"


@contextlib.contextmanager
def global_policy(name: str) -> Iterator[None]:
    """Keras's global dtype policy set to ``name`` for the ``with`` block, then restored."""
    import keras

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


@contextlib.contextmanager
def plan_devices(mixed_precision: bool | str = "auto") -> Iterator[DevicePlan]:
    """Pick a strategy and precision policy for the ``with`` block (build models inside it);
    the previous global policy is restored on exit."""
    import tensorflow as tf

    replicas_wanted = int(os.environ.get(CPU_REPLICAS_ENV, "0") or 0)
    gpus = tf.config.list_physical_devices("GPU")
    if replicas_wanted > 1 and not gpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        # RuntimeError: TF already initialised its devices (configured earlier in this process).
        with contextlib.suppress(RuntimeError):
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * replicas_wanted)
    for gpu in gpus:
        with contextlib.suppress(RuntimeError):
            tf.config.experimental.set_memory_growth(gpu, True)
    if len(gpus) > 1:
        strategy = tf.distribute.MirroredStrategy()
    elif replicas_wanted > 1 and not gpus:
        cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
        strategy = tf.distribute.MirroredStrategy(cpus)
    else:
        strategy = tf.distribute.get_strategy()
    policy = choose_policy(mixed_precision, len(gpus))
    desc = (f"{len(gpus)} GPU(s)" if gpus else "CPU") + (
        f", {strategy.num_replicas_in_sync} replicas" if strategy.num_replicas_in_sync > 1 else "")
    desc += {"mixed_float16": ", float16 mixed precision",
             "mixed_bfloat16": ", bfloat16 mixed precision"}.get(policy, "")
    log.info("training on %s", desc)
    with global_policy(policy):
        yield DevicePlan(strategy, len(gpus), strategy.num_replicas_in_sync, policy, desc)


def use_jit(jit_on_cpu: bool, setting: bool | str, gpus: int) -> bool:
    """XLA when ``setting`` is "auto": on every GPU, and on a CPU for the models whose registry
    entry says it helps there (measured on this project's CPU: none)."""
    if setting != "auto":
        return bool(setting)
    return gpus > 0 or jit_on_cpu


def gpu_present() -> bool:
    """A cheap check without importing TensorFlow: an NVIDIA driver lists a GPU."""
    gpus = "/proc/driver/nvidia/gpus"
    return os.path.isdir(gpus) and bool(os.listdir(gpus))
