"""The reference to a trained model that later stages receive."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class TrainRecord(BaseModel):
    """One finished training run.

    Attributes:
        run_dir: the run folder, relative to the artifact root.
        files: name -> file relative to the root ("sampler", "encoder", "history", ...).
        sampler_sha256: content hash of the sampling model file (generation caches on it).
        final: last value of every tracked metric (plain floats).
        resumed_from: the iteration a checkpoint resumed from (0 for a fresh run).
    """

    model: str
    dataset: str
    profile: str
    key: str
    run_dir: str
    files: dict[str, str]
    sampler_sha256: str
    train_sha256: str
    steps: int
    resumed_from: int
    seconds: float
    images_per_second: float
    final: dict[str, float]
    grids: list[str]
    spec_json: str
    devices: str
    finished_at: dt.datetime
