"""Pure steps of ingestion: read one split of a raw source, validated, in canonical form."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from genflow.storage.hashing import sha256_text
from genflow.tasks.data import tfds_source
from genflow.tasks.data.catalog import CATALOG
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.csv_sample import read_label_last_csv, stratified_split
from genflow.tasks.data.idx import find_idx_file, read_idx_split
from genflow.tasks.data.normalise import canonical
from genflow.tasks.data.sources import RawSource


def read_raw_split(raw: RawSource, split: str, config: IngestConfig) -> tuple[np.ndarray, np.ndarray]:
    """Read, validate and canonicalise one split of ``raw``.

    Returns:
        images uint8 (N, 28, 28, 1), 0-255; labels uint8 (N,), 0-9.

    Raises:
        DataError: the raw files are malformed (the message names the file).
    """
    if raw.kind == "idx":
        folder = Path(raw.location)
        images, labels = read_idx_split(find_idx_file(folder, split, "images"),
                                        find_idx_file(folder, split, "labels"))
    elif raw.kind == "csv":
        all_images, all_labels = read_label_last_csv(Path(raw.location))
        rows = stratified_split(all_labels, config.test_fraction, config.split_seed)[split]
        images, labels = all_images[rows], all_labels[rows]
    else:
        images, labels = tfds_source.read_tfds_split(
            CATALOG[raw.dataset].tfds_name, Path(raw.location), split)
    return canonical(images), labels


def dataset_key(raw: RawSource, raw_hashes: dict[str, str], config: IngestConfig,
                code: str) -> str:
    """Cache key of one ingestion: raw bytes, how they are read, and the code version."""
    parts = [raw.dataset, raw.kind, code]
    parts += [raw_hashes[f] for f in sorted(raw.files)]
    if raw.kind == "csv":
        parts += [repr(config.test_fraction), str(config.split_seed)]
    return "ingest-" + sha256_text(*parts)
