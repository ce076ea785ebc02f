"""Device selection: a GPU when there is one (mixed precision, MirroredStrategy for several),
the CPU otherwise. XLA only where it helps (measured: it halves DCGAN speed on CPU but speeds
up the MLP GAN).

``GENFLOW_CPU_REPLICAS=N`` splits the CPU into N logical devices and mirrors over them: the
only way to exercise the multi-device path on a machine without GPUs (used by the tests).
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
CPU_REPLICAS_ENV = "GENFLOW_CPU_REPLICAS"


@dataclass(frozen=True)
class DevicePlan:
    """What training runs on. ``strategy`` is a tf.distribute strategy."""

    strategy: Any
    gpus: int
    replicas: int
    mixed_precision: bool
    description: str


def plan_devices(mixed_precision: bool | str = "auto") -> DevicePlan:
    """Pick a strategy and precision policy; call before building any model."""
    import keras
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
    use_mixed = bool(gpus) if mixed_precision == "auto" else bool(mixed_precision)
    keras.mixed_precision.set_global_policy("mixed_float16" if use_mixed else "float32")
    desc = (f"{len(gpus)} GPU(s)" if gpus else "CPU") + (
        f", {strategy.num_replicas_in_sync} replicas" if strategy.num_replicas_in_sync > 1 else "")
    desc += ", mixed precision" if use_mixed else ""
    log.info("training on %s", desc)
    return DevicePlan(strategy, len(gpus), strategy.num_replicas_in_sync, use_mixed, desc)


def use_jit(jit_on_cpu: bool, setting: bool | str, gpus: int) -> bool:
    """XLA when ``setting`` is "auto": on every GPU, and on a CPU for the models whose registry
    entry says it helps there (measured: the MLP GAN, not the DCGAN)."""
    if setting != "auto":
        return bool(setting)
    return gpus > 0 or jit_on_cpu


def gpu_present() -> bool:
    """A cheap check without importing TensorFlow: an NVIDIA driver lists a GPU."""
    gpus = "/proc/driver/nvidia/gpus"
    return os.path.isdir(gpus) and bool(os.listdir(gpus))
