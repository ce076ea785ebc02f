"""Typed configuration of the ingestion stage (a Prefect flow parameter)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from genflow.tasks.data.catalog import DatasetName

SourceKind = Literal["auto", "tfds", "idx", "csv"]


class IngestConfig(BaseModel):
    """What to ingest and from where.

    Attributes:
        dataset: "mnist" or "fashion_mnist".
        source: "auto" (best available, never waiting on the network), "tfds", "idx" or "csv".
        path: folder of IDX files (idx), a label-last CSV file (csv), or for auto either one.
        test_fraction: share of each class held out as "test" when a CSV holds one pool.
        split_seed: seed of that stratified split.
        allow_download: whether auto/tfds may download from TFDS when its host answers.
    """

    model_config = ConfigDict(extra="forbid")

    dataset: DatasetName = "mnist"
    source: SourceKind = "auto"
    path: str | None = None
    test_fraction: float = Field(default=0.2, gt=0.0, lt=1.0)
    split_seed: int = 0
    allow_download: bool = True
