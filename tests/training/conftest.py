"""Training data for the smoke tests, prepared as the train task prepares it (the real splits
come from the session fixture ``real_splits`` in tests/conftest.py)."""

from __future__ import annotations

import numpy as np

from genflow.tasks.data.normalise import filter_classes, scale
from genflow.tasks.models.config import RunSpec


def prepare(spec: RunSpec, splits: dict[str, dict[str, tuple]]) -> tuple[np.ndarray, np.ndarray]:
    """(x_train, x_test) for ``spec`` exactly as tasks.training.train_tasks prepares them."""
    out = []
    for split in ("train", "test"):
        images, labels = filter_classes(*splits[spec.dataset][split], spec.train.classes)
        out.append(images if spec.model.name == "pixel" and split == "train"
                   else scale(images, spec.train.value_range))
    return out[0], out[1]
