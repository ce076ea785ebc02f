"""The reference to a generated sample set that evaluation receives."""

from __future__ import annotations

from pydantic import BaseModel


class SampleRecord(BaseModel):
    """One stored sample set.

    Attributes:
        path: Parquet file relative to the root (schema storage.samples.SAMPLES_FILE).
        sha256: sha256 of the image bytes in index order (evaluation caches on it).
        pictures: name -> PNG relative to the root ("grid", "noise_sweep", "manifold", ...).
    """

    model: str
    dataset: str
    profile: str
    run: str
    path: str
    n: int
    seed: int
    sha256: str
    classes: list[int] | None
    pictures: dict[str, str]
