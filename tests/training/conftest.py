"""Real training data for the smoke tests, prepared as the train task prepares it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tasks.data.csv_sample import read_label_last_csv, stratified_split
from tasks.data.idx import find_idx_file, read_idx_split
from tasks.data.normalise import filter_classes, scale
from tasks.models.config import RunSpec


@pytest.fixture(scope="session")
def real_splits(mnist_csv: Path, fashion_idx_dir: Path) -> dict[str, dict[str, tuple]]:
    images, labels = read_label_last_csv(mnist_csv)
    rows = stratified_split(labels, 0.2, 0)
    mnist = {s: (images[rows[s]], labels[rows[s]]) for s in ("train", "test")}
    fashion = {s: read_idx_split(find_idx_file(fashion_idx_dir, s, "images"),
                                 find_idx_file(fashion_idx_dir, s, "labels"))
               for s in ("train", "test")}
    return {"mnist": mnist, "fashion_mnist": fashion}


def prepare(spec: RunSpec, splits: dict[str, dict[str, tuple]]) -> tuple[np.ndarray, np.ndarray]:
    """(x_train, x_test) for ``spec`` exactly as tasks.training.train_tasks prepares them."""
    out = []
    for split in ("train", "test"):
        images, labels = filter_classes(*splits[spec.dataset][split], spec.train.classes)
        out.append(images if spec.model.name == "pixel" and split == "train"
                   else scale(images, spec.train.value_range))
    return out[0], out[1]
