"""References produced by evaluation."""

from __future__ import annotations

from pydantic import BaseModel


class ExtractorRecord(BaseModel):
    """A trained domain classifier (or a loaded InceptionV3): where it is and how good."""

    name: str
    dataset: str
    path: str | None
    dim: int
    test_accuracy: float | None
    test_images: int = 0
    key: str


class EvalRecord(BaseModel):
    """Metrics of one sample set. ``metrics`` rows: metric, value, n, extractor, floor, low,
    high, floor_low, floor_high (evaluate.MetricRow); ``verdict``: verdict.verdict_text."""

    model: str
    dataset: str
    profile: str
    run: str
    samples_sha256: str
    metrics: list[dict[str, float | int | str | None]]
    pictures: dict[str, str]
    neighbours_path: str
    verdict: str = "ok"
    eval_seed: int = 0
