"""Full Fashion-MNIST ingest (70k images, raw IDX -> normalised Parquet) against its baselines.

  (a) plain numpy decoding of the same four IDX .gz files (gzip + frombuffer), the floor;
  (b) TFDS download_and_prepare of fashion_mnist from the same files pre-placed in its
      download folder (what a connected user's first `tfds.load` costs after the download).

genflow's time is the whole stage without Prefect: locate, sha256 of the raw files, validate,
normalise, write both splits as zstd Parquet and append the datasets-table rows. Medians of
--repeats runs for (genflow) and (a); one run of (b), which takes tens of seconds.

    .venv/bin/python bench/ingest.py [--idx DIR] [--repeats 5] [--skip-tfds]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from genflow.storage.datasets import dataset_parts, read_split, write_split
from genflow.storage.hashing import sha256_arrays, sha256_file
from genflow.storage.parquet import append_rows
from genflow.storage.root import resolve_root
from genflow.tasks.data.catalog import SPLITS
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.idx import IDX_NAMES
from genflow.tasks.data.ingest import read_raw_split
from genflow.tasks.data.normalise import class_counts
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.data.sources import locate


def genflow_ingest(idx_dir: Path, root_dir: Path) -> int:
    import datetime as dt

    root = resolve_root(root_dir)
    config = IngestConfig(dataset="fashion_mnist", source="idx", path=str(idx_dir))
    raw = locate(config, root_dir / "tfds")
    hashes = {f: sha256_file(f) for f in raw.files}
    splits = {s: read_raw_split(raw, s, config) for s in SPLITS}
    rows = []
    for split, (images, labels) in splits.items():
        parts = dataset_parts("fashion_mnist", split, "bench")
        write_split(root, parts, images, labels, {"split": split})
        rows.append(SplitRecord(
            dataset="fashion_mnist", split=split, source="idx", is_sample=False,
            path="/".join(parts), content_sha256=sha256_arrays(images, labels),
            n_images=len(images), class_counts=class_counts(labels),
            raw_files=[(f, hashes[f]) for f in raw.files], code_version="bench",
            ingested_at=dt.datetime.now(dt.UTC)).to_arrow())
    import pyarrow as pa

    append_rows(root, "datasets", pa.concat_tables(rows))
    return sum(len(s[0]) for s in splits.values())


def numpy_decode(idx_dir: Path) -> int:
    n = 0
    for (_split, kind), name in IDX_NAMES.items():
        data = gzip.decompress((idx_dir / f"{name}.gz").read_bytes())
        offset = 16 if kind == "images" else 8
        arr = np.frombuffer(data, np.uint8, offset=offset)
        n += len(arr) // 784 if kind == "images" else 0
    return n


def tfds_prepare(idx_dir: Path, data_dir: Path) -> None:
    from genflow.tasks.data.tfds_offline import prepare_offline

    prepare_offline("fashion_mnist", idx_dir, data_dir)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idx", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-tfds", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        n = genflow_ingest(args.idx, tmp_path / "warm")  # warm the page cache and imports
        ours = statistics.median(timed(genflow_ingest, args.idx, tmp_path / f"r{i}")
                                 for i in range(args.repeats))
        floor = statistics.median(timed(numpy_decode, args.idx) for _ in range(args.repeats))
        # Sanity: what genflow stored is what numpy decodes.
        images, _ = read_split(resolve_root(tmp_path / "r0"),
                               dataset_parts("fashion_mnist", "test", "bench"))
        assert images.shape == (10_000, 28, 28, 1)
        print(f"images ingested:                 {n}")
        print(f"genflow ingest (median of {args.repeats}):   {ours:7.3f} s  "
              f"({n / ours:,.0f} images/s)  goal < 2 s: {'met' if ours < 2 else 'MISSED'}")
        print(f"(a) numpy IDX decode only:       {floor:7.3f} s  "
              f"-> genflow / numpy = {ours / floor:.2f}x")
        if not args.skip_tfds:
            tf_import = timed(__import__, "tensorflow_datasets")
            prep = timed(tfds_prepare, args.idx, tmp_path / "tfds")
            print(f"(b) TFDS download_and_prepare:   {prep:7.3f} s  (+{tf_import:.1f} s import) "
                  f"-> TFDS / genflow = {prep / ours:.1f}x  goal >= 15x: "
                  f"{'met' if prep / ours >= 15 else 'MISSED'}")


if __name__ == "__main__":
    main()
