"""tf.data pipelines that leave the CPU to the model.

On a 2-core CPU, tf.data's autotuning and its shared thread pool compete with the training
step for the cores: measured with bench/train.py's DCGAN step, ``prefetch(AUTOTUNE)`` ran at
188 images/s where the same step fed by a pipeline with autotuning off, a one-thread private
pool and a fixed prefetch of 2 ran at 355 (and a model trained later in the same process
stayed at 188 while the lean pipeline held its speed). The arrays here are small and already
in memory, so nothing is lost by not tuning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

PREFETCH = 2
# Iterations per compiled call (Keras steps_per_execution): returning to Python after every
# step cost the DCGAN a third of its time here (bench/train.py).
STEPS_PER_CALL = 10


def lean(ds: Any) -> Any:
    """``ds`` with a fixed prefetch, autotuning off and a one-thread private pool."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    options.threading.private_threadpool_size = 1
    return ds.prefetch(PREFETCH).with_options(options)


def shuffled_batches(x: np.ndarray, batch: int, seed: int, y: np.ndarray | None = None,
                     repeat: bool = True) -> Any:
    """Batches of ``x`` (and ``y``): reshuffled with ``seed`` every pass and repeated forever
    (``repeat``, whole batches only), or one pass in order (``repeat=False``)."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if repeat:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).repeat()
    return ds.batch(batch, drop_remainder=repeat)


def in_order(x: np.ndarray, batch: int) -> Any:
    """One pass over ``x`` in order, in batches (for predict), through ``lean``."""
    return lean(shuffled_batches(x, batch, 0, repeat=False))
