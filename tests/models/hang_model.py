"""A model whose training wedges in native code after its first checkpoint (a stuck device):
the toy GAN, whose second fit call blocks on an empty TensorFlow queue, out of Python's reach
(no signal or Prefect timeout interrupts it). Workers load it with
GENFLOW_MODEL_PLUGINS=tests.models.hang_model."""

from __future__ import annotations

from genflow.tasks.models import registry
from genflow.tasks.models.built import Built
from genflow.tasks.models.config import ModelConfig, TrainConfig
from tests.models.toy_model import build_toy


def build_hang(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
               mixed_precision: bool = False) -> Built:
    built = build_toy(config, train, jit_compile=jit_compile, mixed_precision=mixed_precision)
    real_fit, calls = built.model.fit, [0]

    def fit(*args, **kwargs):
        calls[0] += 1
        if calls[0] > 1:
            import tensorflow as tf

            tf.queue.FIFOQueue(1, tf.float32).dequeue()  # blocks forever in TF's runtime
        return real_fit(*args, **kwargs)

    built.model.fit = fit
    return built


registry.register(registry.ModelEntry(
    name="hang_gan", builder="tests.models.hang_model:build_hang", kind="gan",
    value_range="symmetric", default=False, program="test"))
