"""Where normalised datasets live and how they are written and read.

A stored split is ``datasets/<dataset>/<split>-<key>.parquet`` with schema
storage.schemas.DATASET_FILE: uint8 pixels, so the [0, 1] and [-1, 1] float views the models use
are derived exactly on load (float32 would be 4x the bytes for no extra information). ``key`` is
a digest of the raw inputs and the code version, so the path is known before any work is done.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from genflow.storage import schemas
from genflow.storage.images import arrow_to_images, images_to_arrow
from genflow.storage.parquet import read_parquet, write_parquet
from genflow.storage.root import DATASETS, ArtifactRoot, check_name


def dataset_parts(dataset: str, split: str, key: str) -> tuple[str, str, str]:
    """Path parts (below the root) of a stored split."""
    check_name(dataset, "dataset")
    check_name(split, "split")
    check_name(key, "key")
    return (DATASETS, dataset, f"{split}-{key[:16]}.parquet")


def write_split(root: ArtifactRoot, parts: tuple[str, ...], images: np.ndarray,
                labels: np.ndarray, metadata: dict[str, str]) -> str:
    """Atomically write a split.

    Args:
        images: uint8 (N, 28, 28, 1), 0-255.
        labels: uint8 (N,), 0-9.
        metadata: small strings stored in the Parquet schema metadata (dataset, split, hashes).

    Returns:
        The full path written.
    """
    table = pa.Table.from_arrays(
        [images_to_arrow(images), pa.array(labels, type=pa.uint8())],
        schema=schemas.DATASET_FILE.with_metadata({k: str(v) for k, v in metadata.items()}),
    )
    return write_parquet(root, table, *parts)


def read_split(root: ArtifactRoot, parts: tuple[str, ...] | str) -> tuple[np.ndarray, np.ndarray]:
    """Read a stored split: (images uint8 (N, 28, 28, 1) 0-255, labels uint8 (N,) 0-9)."""
    parts = (parts,) if isinstance(parts, str) else parts
    table = read_parquet(root, *parts, schema=schemas.DATASET_FILE)
    images = arrow_to_images(table.column(schemas.IMAGE))
    labels = table.column(schemas.LABEL).to_numpy()
    return images, labels
