"""The pipeline's typed configuration: a Prefect flow parameter, the deployments' parameter
deltas, and the schema of ``genflow run --config FILE.yaml`` (no Prefect import here, so the CLI
can resolve and show a config instantly)."""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genflow.core.errors import ConfigError
from genflow.tasks.models import registry
from genflow.tasks.training.request import ModelRequest


class PipelineConfig(BaseModel):
    """What a pipeline run does (a Prefect flow parameter; deployments give deltas).

    Attributes:
        profile: "smoke", "quick" (CPU default) or "lecture" (default with a GPU).
        models: registered models to run (default: the six lecture models).
        datasets: datasets to run each model on (default: the lecture's dataset per model).
        overrides: per model config deltas, {"dcgan": {"train": {"steps": 500}}}.
        samples: samples per model (default by profile).
        concurrency: branches run at once (thread pool workers, or Dask worker processes).
        task_runner: "threads" or "dask".
        dask_address: an existing Dask scheduler (else a LocalCluster of processes).
    """

    model_config = ConfigDict(extra="forbid")

    profile: Literal["smoke", "quick", "lecture"] = "quick"
    models: list[str] = Field(default_factory=registry.default_names)
    datasets: list[Literal["mnist", "fashion_mnist"]] | None = None
    overrides: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)
    samples: int | None = Field(default=None, ge=2)
    seed: int = 0
    source: Literal["auto", "tfds", "idx", "csv"] = "auto"
    extractor: Literal["domain", "inception"] = "domain"
    inception_weights: str | None = None
    concurrency: int = Field(default=1, ge=1, le=16)
    task_runner: Literal["threads", "dask"] = "threads"
    dask_address: str | None = None

    def requests(self) -> list[ModelRequest]:
        """One request per branch, every config checked; ConfigError names branch and field."""
        unknown = [m for m in self.models if m not in registry.REGISTRY]
        repeated = sorted({m for m in self.models if self.models.count(m) > 1}
                          | {d for d in self.datasets or [] if self.datasets.count(d) > 1})
        if repeated:  # two branches would train into the same run folder
            raise ConfigError(f"{', '.join(repeated)} listed more than once")
        if unknown:
            raise ConfigError(f"models {unknown} are not among {', '.join(registry.names())}")
        stray = sorted(set(self.overrides) - set(self.models))
        if stray:
            raise ConfigError(f"overrides for {stray}: not among the models of this run")
        out = []
        for m in self.models:
            for d in self.datasets or [registry.get(m).dataset]:
                request = ModelRequest(model=m, dataset=d, profile=self.profile,
                                       overrides=self.overrides.get(m, {}))
                try:
                    request.spec()
                except ConfigError as e:
                    raise ConfigError(f"branch {m} on {d}: {e}") from e
                out.append(request)
        return out

    def check(self) -> list[ModelRequest]:
        """``requests()`` plus the pre-flight shape check of every branch's networks (builds
        them once; imports Keras)."""
        from genflow.tasks.models.preflight import preflight

        requests = self.requests()
        for r in requests:
            try:
                preflight(r.spec())
            except ConfigError as e:
                raise ConfigError(f"branch {r.label}: {e}") from e
        return requests
