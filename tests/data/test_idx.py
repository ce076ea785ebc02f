"""IDX parsing and validation on the real Fashion-MNIST files and corrupted copies of them."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import DataError
from genflow.tasks.data.idx import find_idx_file, read_idx_split


def _split(folder: Path, split: str = "test"):
    return read_idx_split(find_idx_file(folder, split, "images"),
                          find_idx_file(folder, split, "labels"))


def test_real_fashion_mnist_parses(fashion_idx_dir: Path) -> None:
    images, labels = _split(fashion_idx_dir, "train")
    assert images.shape == (60_000, 28, 28, 1) and images.dtype == np.uint8
    assert labels.shape == (60_000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [6000] * 10
    test_images, test_labels = _split(fashion_idx_dir, "test")
    assert test_images.shape == (10_000, 28, 28, 1)
    assert np.bincount(test_labels).tolist() == [1000] * 10
    # The first training image of the official release is an ankle boot (class 9).
    assert labels[0] == 9 and images.max() == 255


def test_uncompressed_idx_reads_the_same(fashion_copy: Path, fashion_idx_dir: Path) -> None:
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        gz = fashion_copy / f"{name}.gz"
        (fashion_copy / name).write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    a_images, a_labels = _split(fashion_copy)
    b_images, b_labels = _split(fashion_idx_dir)
    assert hashlib.sha256(a_images.tobytes()).digest() == hashlib.sha256(b_images.tobytes()).digest()
    np.testing.assert_array_equal(a_labels, b_labels)


def _rewrite(path: Path, edit) -> None:
    raw = bytearray(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(bytes(edit(raw)), compresslevel=1))


def test_bad_magic(fashion_copy: Path) -> None:
    target = fashion_copy / "t10k-images-idx3-ubyte.gz"

    def edit(raw):
        raw[0:2] = b"PK"
        return raw

    _rewrite(target, edit)
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz: not an IDX file \(bad magic"):
        _split(fashion_copy)


def test_wrong_dimension_count(fashion_copy: Path) -> None:
    target = fashion_copy / "t10k-labels-idx1-ubyte.gz"

    def edit(raw):
        raw[3] = 3
        return raw

    _rewrite(target, edit)
    with pytest.raises(DataError, match="has 3 dimensions, expected 1"):
        _split(fashion_copy)


def test_truncated_gzip(fashion_copy: Path) -> None:
    target = fashion_copy / "t10k-images-idx3-ubyte.gz"
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz: truncated or corrupt gzip"):
        _split(fashion_copy)


def test_data_shorter_than_header_says(fashion_copy: Path) -> None:
    target = fashion_copy / "t10k-images-idx3-ubyte.gz"
    _rewrite(target, lambda raw: raw[:-784])
    with pytest.raises(DataError, match=r"header says \(10000, 28, 28\)"):
        _split(fashion_copy)


def test_mismatched_counts(fashion_copy: Path) -> None:
    target = fashion_copy / "t10k-labels-idx1-ubyte.gz"

    def edit(raw):
        raw[4:8] = (9999).to_bytes(4, "big")
        return raw[:-1]

    _rewrite(target, edit)
    with pytest.raises(DataError, match="9999 labels but t10k-images-idx3-ubyte.gz holds 10000"):
        _split(fashion_copy)


def test_label_out_of_range(fashion_copy: Path) -> None:
    target = fashion_copy / "t10k-labels-idx1-ubyte.gz"

    def edit(raw):
        raw[8 + 17] = 12
        return raw

    _rewrite(target, edit)
    with pytest.raises(DataError, match="label 12 at index 17 is outside 0-9"):
        _split(fashion_copy)


def test_missing_file_is_named(fashion_copy: Path) -> None:
    (fashion_copy / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="missing train-labels-idx1-ubyte.gz"):
        _split(fashion_copy, "train")
