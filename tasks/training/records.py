"""The reference to a trained model that later stages receive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from genflow.tasks.data.records import SplitRecord


class TrainRecord(BaseModel):
    """One finished training run.

    Attributes:
        run_dir: the run folder, relative to the artifact root.
        files: name -> file relative to the root ("sampler", "encoder", "history", ...).
        sampler_sha256: content hash of the sampling model file (generation caches on it).
        final: last value of every tracked metric (plain floats).
        resumed_from: the iteration a checkpoint resumed from (0 for a fresh run).
        overrides: the user's config deltas the run was made with ({"train": {...}}).
        data: the ingested splits it trained on (train, test): later stages read them.
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
    trained_by: str | None = None  # the train stage's flow run that trained it (None: older records)
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    data: list[SplitRecord] = Field(default_factory=list)

    @property
    def run(self) -> str:
        """The run folder's name (the last part of ``run_dir``)."""
        return self.run_dir.rsplit("/", 1)[-1]
