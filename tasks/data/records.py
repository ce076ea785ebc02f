"""The reference to a stored split that later stages receive (never the arrays themselves)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from pydantic import BaseModel

from genflow.storage import schemas


class SplitRecord(BaseModel):
    """One ingested split.

    Attributes:
        path: the stored Parquet file, relative to the artifact root.
        content_sha256: sha256 over the stored images and labels arrays.
        class_counts: images per class 0-9.
        is_sample: fewer images than the official split (e.g. the 5k MNIST sample).
        raw_files: (file, sha256) of every raw file the split was read from.
    """

    dataset: str
    split: str
    source: str
    is_sample: bool
    path: str
    content_sha256: str
    n_images: int
    class_counts: list[int]
    raw_files: list[tuple[str, str]]
    code_version: str
    ingested_at: dt.datetime

    def to_arrow(self) -> pa.Table:
        """This record as one row of the ``datasets`` report table."""
        row = self.model_dump()
        row["raw_files"] = [{"file": f, "sha256": h} for f, h in self.raw_files]
        return pa.Table.from_pylist([row], schema=schemas.DATASETS)
