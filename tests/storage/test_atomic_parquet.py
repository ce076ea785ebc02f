from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from genflow.storage import schemas
from genflow.storage.atomic import atomic_path, write_bytes
from genflow.storage.datasets import dataset_parts, read_split, write_split
from genflow.storage.hashing import code_version, sha256_arrays, sha256_file, sha256_text
from genflow.storage.images import arrow_to_images, images_to_arrow
from genflow.storage.parquet import append_rows, read_table
from genflow.storage.root import resolve_root


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    write_bytes(root, b"old", "x", "f.bin")
    with pytest.raises(RuntimeError), atomic_path(root, "x", "f.bin") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash mid-write")
    assert (tmp_path / "x" / "f.bin").read_bytes() == b"old"
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["f.bin"]


def test_images_round_trip_through_arrow() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (50, 28, 28, 1), dtype=np.uint8)
    arr = images_to_arrow(images)
    assert arr.type == pa.binary(784) and len(arr) == 50
    np.testing.assert_array_equal(arrow_to_images(arr), images)
    np.testing.assert_array_equal(arrow_to_images(arr.slice(7, 3)), images[7:10])


def test_images_to_arrow_rejects_wrong_dtype() -> None:
    with pytest.raises(ValueError, match="uint8"):
        images_to_arrow(np.zeros((2, 28, 28), np.float32))


def test_split_round_trip_and_schema(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (20, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, 20).astype(np.uint8)
    parts = dataset_parts("mnist", "train", "ab" * 10)
    write_split(root, parts, images, labels, {"dataset": "mnist"})
    got_images, got_labels = read_split(root, parts)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    import pyarrow.parquet as pq

    schema = pq.read_schema(root.path(*parts))
    assert schema.field("image").type == pa.binary(784)
    assert pq.ParquetFile(root.path(*parts)).metadata.row_group(0).column(0).compression == "ZSTD"


def _datasets_row(dataset: str, n: int) -> pa.Table:
    return pa.Table.from_pylist([{
        "dataset": dataset, "split": "train", "source": "idx", "is_sample": False,
        "raw_files": [{"file": "/x", "sha256": "0" * 64}], "path": "datasets/x.parquet",
        "content_sha256": "1" * 64, "n_images": n, "class_counts": [n // 10] * 10,
        "code_version": "v", "ingested_at": dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
    }], schema=schemas.DATASETS)


def test_report_table_appends_are_partitioned_and_readable(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    assert read_table(root, "datasets").num_rows == 0
    append_rows(root, "datasets", _datasets_row("mnist", 10))
    append_rows(root, "datasets", _datasets_row("mnist", 20))
    append_rows(root, "datasets", _datasets_row("fashion_mnist", 30))
    table = read_table(root, "datasets")
    assert table.schema.names == schemas.DATASETS.names
    assert sorted(table.column("n_images").to_pylist()) == [10, 20, 30]
    assert (tmp_path / "reports" / "datasets" / "dataset=fashion_mnist").is_dir()
    import duckdb

    rows = duckdb.sql(
        f"SELECT dataset, sum(n_images) FROM read_parquet('{tmp_path}/reports/datasets/*/*.parquet',"
        " hive_partitioning=true) GROUP BY dataset ORDER BY dataset").fetchall()
    assert rows == [("fashion_mnist", 30), ("mnist", 30)]


def test_append_refuses_unsafe_partition_value(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    with pytest.raises(ValueError):
        append_rows(root, "datasets", _datasets_row("../escape", 1))
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.parquet"))


def test_hashes(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    assert sha256_file(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_text("ab", "c") != sha256_text("a", "bc")
    a = np.arange(6, dtype=np.uint8)
    assert sha256_arrays(a) != sha256_arrays(a.reshape(2, 3))
    storage = code_version("genflow.storage.hashing")
    assert len(storage) == 16 and storage == code_version("genflow.storage.hashing")
    assert storage != code_version("genflow.storage.runs")  # runs imports more than hashing
    assert code_version("genflow.storage.no_such_module") != storage
