"""The ingest flow under a real Prefect server: records, Parquet output, cache hits, errors."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import DataError
from genflow.storage.datasets import read_split
from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root
from genflow.tasks.data.config import IngestConfig

pytestmark = pytest.mark.usefixtures("prefect_server")


def _task_states(flow_run_id) -> dict[str, list[str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    async def read():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=100)
        out: dict[str, list[str]] = {}
        for r in runs:
            out.setdefault(r.name.rsplit("-", 1)[0], []).append(r.state.name)
        return out

    return asyncio.run(read())


def _run(config: IngestConfig, root: Path):
    from genflow.flows.ingest import ingest

    state = ingest(config, root=str(root), return_state=True)
    return state.result(), state.state_details.flow_run_id


def test_fashion_ingest_then_cache_hit_then_recompute(fashion_copy: Path, root_dir: Path) -> None:
    config = IngestConfig(dataset="fashion_mnist", source="idx", path=str(fashion_copy))
    records, run1 = _run(config, root_dir)
    assert [(r.split, r.n_images, r.source, r.is_sample) for r in records] == [
        ("train", 60_000, "idx", False), ("test", 10_000, "idx", False)]
    assert records[0].class_counts == [6000] * 10
    root = resolve_root(root_dir)
    images, labels = read_split(root, records[1].path)
    assert images.shape == (10_000, 28, 28, 1) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [1000] * 10
    table = read_table(root, "datasets")
    assert sorted(table.column("split").to_pylist()) == ["test", "train"]
    assert set(table.column("dataset").to_pylist()) == {"fashion_mnist"}
    mtime = (root_dir / records[0].path).stat().st_mtime_ns
    assert all(s == "Completed" for s in _task_states(run1)["build-dataset"])

    # Same bytes again: nothing is rebuilt, no new rows.
    again, run2 = _run(config, root_dir)
    assert _task_states(run2)["build-dataset"] == ["Cached"]
    assert [r.path for r in again] == [r.path for r in records]
    assert (root_dir / records[0].path).stat().st_mtime_ns == mtime
    assert read_table(root, "datasets").num_rows == 2

    # Changed input bytes (one test label 9 -> 8, still valid): recompute with a new key.
    import gzip

    labels_file = fashion_copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels_file.read_bytes()))
    pos = 8 + int(np.flatnonzero(np.frombuffer(bytes(raw[8:]), np.uint8) == 9)[0])
    raw[pos] = 8
    labels_file.write_bytes(gzip.compress(bytes(raw)))
    changed, run3 = _run(config, root_dir)
    assert _task_states(run3)["build-dataset"] == ["Completed"]
    assert changed[1].path != records[1].path
    assert changed[1].class_counts[8:] == [1001, 999]

    # A deleted output is rebuilt rather than trusted from the cache.
    (root_dir / changed[1].path).unlink()
    _, run4 = _run(config, root_dir)
    assert (root_dir / changed[1].path).is_file()
    assert _task_states(run4)["build-dataset"] == ["Completed"]


def test_mnist_sample_ingest(mnist_csv: Path, root_dir: Path) -> None:
    records, _ = _run(IngestConfig(dataset="mnist", source="csv", path=str(mnist_csv)), root_dir)
    assert [(r.split, r.n_images, r.is_sample) for r in records] == [
        ("train", 4000, True), ("test", 1000, True)]
    assert records[0].raw_files[0][0] == str(mnist_csv)


def test_bad_input_fails_fast_and_writes_nothing(fashion_copy: Path, root_dir: Path) -> None:
    from genflow.flows.ingest import ingest

    target = fashion_copy / "train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:100_000])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: truncated or corrupt gzip"):
        ingest(IngestConfig(dataset="fashion_mnist", source="idx", path=str(fashion_copy)),
               root=str(root_dir))
    written = [p for p in root_dir.rglob("*.parquet")] if root_dir.exists() else []
    assert written == [], f"bad input left files behind: {written}"


def test_missing_idx_folder_is_bad_input(root_dir: Path, tmp_path: Path) -> None:
    from genflow.flows.ingest import ingest

    with pytest.raises(DataError, match="not a folder of IDX files"):
        ingest(IngestConfig(dataset="fashion_mnist", source="idx", path=str(tmp_path / "none")),
               root=str(root_dir))
    shutil.rmtree(root_dir, ignore_errors=True)
