"""Generated sample sets: ``samples/<model>/<run>/samples-n<N>-seed<S>.parquet``.

Written batch by batch (one row group each) through a streaming writer, so memory stays bounded
by one batch, and renamed into place only when complete. Schema SAMPLES_FILE: image
fixed_size_binary(784) uint8 row-major, model, run, seed, index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from genflow.storage.atomic import atomic_path
from genflow.storage.images import arrow_to_images, images_to_arrow
from genflow.storage.parquet import COMPRESSION, read_parquet
from genflow.storage.root import SAMPLES, ArtifactRoot, check_name

SAMPLES_FILE = pa.schema([
    pa.field("image", pa.binary(784), nullable=False),
    pa.field("model", pa.string(), nullable=False),
    pa.field("run", pa.string(), nullable=False),
    pa.field("seed", pa.int64(), nullable=False),
    pa.field("index", pa.int64(), nullable=False),
])


def sample_parts(model: str, run: str, *names: str) -> tuple[str, ...]:
    return (SAMPLES, check_name(model, "model"), check_name(run, "run"), *names)


def samples_name(n: int, seed: int) -> str:
    """File name of the sample set of ``n`` images drawn with ``seed``."""
    return f"samples-n{n}-seed{seed}.parquet"


def neighbours_name(samples_sha256: str) -> str:
    """File name of the nearest-neighbour table of a sample set (by its content hash)."""
    return f"neighbours-{samples_sha256[:12]}.parquet"


def samples_exist(root: ArtifactRoot, model: str, run: str, n: int, seed: int) -> bool:
    return root.exists(*sample_parts(model, run, samples_name(n, seed)))


def neighbours_exist(root: ArtifactRoot, model: str, run: str, samples_sha256: str) -> bool:
    return root.exists(*sample_parts(model, run, neighbours_name(samples_sha256)))


def write_samples(root: ArtifactRoot, parts: tuple[str, ...], batches: Iterable[np.ndarray],
                  model: str, run: str, seed: int) -> tuple[int, str]:
    """Stream uint8 (b, 28, 28, 1) batches into one Parquet file; return (rows, sha256 of the
    image bytes in order)."""
    digest = hashlib.sha256()
    n = 0
    with atomic_path(root, *parts) as tmp, pq.ParquetWriter(tmp, SAMPLES_FILE,
                                                            compression=COMPRESSION) as writer:
        for batch in batches:
            b = len(batch)
            digest.update(np.ascontiguousarray(batch).tobytes())
            writer.write_table(pa.Table.from_arrays([
                images_to_arrow(batch), pa.array([model] * b, pa.string()),
                pa.array([run] * b, pa.string()), pa.array(np.full(b, seed), pa.int64()),
                pa.array(np.arange(n, n + b), pa.int64())], schema=SAMPLES_FILE))
            n += b
    return n, digest.hexdigest()


def read_samples(root: ArtifactRoot, path: str) -> np.ndarray:
    """uint8 (n, 28, 28, 1) images of a stored sample set, in index order."""
    table = read_parquet(root, path, schema=SAMPLES_FILE)
    return arrow_to_images(table.column("image"))
