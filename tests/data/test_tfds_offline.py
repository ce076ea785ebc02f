"""The tfds source for real, without a network: Debian's Fashion-MNIST files placed where TFDS
expects its downloads, prepared by TFDS itself, then read back through genflow's source."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.idx import find_idx_file, read_idx_split
from genflow.tasks.data.ingest import read_raw_split
from genflow.tasks.data.sources import locate
from genflow.tasks.data.tfds_offline import prepare_offline

pytestmark = pytest.mark.slow


def _row_digests(images: np.ndarray, labels: np.ndarray) -> list[bytes]:
    return sorted(hashlib.sha1(img.tobytes() + bytes([lab])).digest()
                  for img, lab in zip(images, labels, strict=True))


def test_tfds_prepared_offline_matches_idx(fashion_idx_dir: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENFLOW_IDX_DIR", raising=False)
    data_dir = tmp_path / "tfds"
    prepare_offline("fashion_mnist", fashion_idx_dir, data_dir)

    # `auto` now prefers the prepared TFDS data over the local IDX files.
    raw = locate(IngestConfig(dataset="fashion_mnist"), data_dir)
    assert raw.kind == "tfds" and any(f.endswith("dataset_info.json") for f in raw.files)
    config = IngestConfig(dataset="fashion_mnist", source="tfds")
    images, labels = read_raw_split(raw, "test", config)
    assert images.shape == (10_000, 28, 28, 1) and images.dtype == np.uint8
    idx_images, idx_labels = read_idx_split(find_idx_file(fashion_idx_dir, "test", "images"),
                                            find_idx_file(fashion_idx_dir, "test", "labels"))
    # TFDS stores examples in its own shuffled order: compare as multisets of (image, label).
    assert _row_digests(images, labels) == _row_digests(idx_images, idx_labels)
