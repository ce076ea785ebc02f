"""What a caller asks the training stage for: a model, its data, a profile and config deltas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genflow.tasks.models.config import RunSpec
from genflow.tasks.training.profiles import make_spec


class ModelRequest(BaseModel):
    """One model to train (a Prefect flow parameter; the CLI and the pipeline build it).

    Attributes:
        model: a registered model name.
        dataset: "mnist" or "fashion_mnist"; None for the model's lecture dataset.
        profile: "smoke", "quick" or "lecture".
        overrides: config deltas, {"train": {"steps": 500}, "model": {"zdim": 2}}.
    """

    model_config = ConfigDict(extra="forbid")

    model: str
    dataset: Literal["mnist", "fashion_mnist"] | None = None
    profile: Literal["smoke", "quick", "lecture"] = "quick"
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def spec(self) -> RunSpec:
        """The full RunSpec; ConfigError naming the field when a value is rejected."""
        return make_spec(self.model, self.dataset, self.profile, self.overrides)

    @property
    def label(self) -> str:
        return f"{self.model} on {self.dataset or self.spec().dataset}"
