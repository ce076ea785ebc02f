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
        limits: timeouts and attempts over the profile's (``Limits``).
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
    limits: "Limits | None" = None

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


class Limits(BaseModel):
    """How long an unattended run may take, and how often it is tried (a flow parameter of the
    train, report and pipeline deployments; ``config.limits`` in a pipeline config).

    A field left unset takes the profile's default (``LIMITS``). A stage that exceeds its
    timeout ends TimedOut (Prefect's own timeout, where Python can be interrupted); a run that
    exceeds ``run_seconds`` (a step stuck in native code, which Prefect's timeout cannot
    interrupt) is marked TimedOut by a watchdog and its process ends. Either way the worker's
    slot and the run's concurrency slots are freed, and the recovery automation reschedules it
    until ``attempts`` attempts have run.

    Attributes:
        run_seconds: the whole flow run (deployment runs; a hard deadline).
        ingest_seconds / train_seconds / generate_seconds / evaluate_seconds: each stage flow
            run.
        attempts: attempts of one deployment run in all (the first + reschedules after a
            crash or a timeout), at most 3 (the recovery automation's bound); an attempt beyond
            it ends Failed at once.
    """

    model_config = ConfigDict(extra="forbid")

    run_seconds: float | None = Field(default=None, gt=0)
    train_seconds: float | None = Field(default=None, gt=0)
    generate_seconds: float | None = Field(default=None, gt=0)
    evaluate_seconds: float | None = Field(default=None, gt=0)
    attempts: int | None = Field(default=None, ge=1, le=3)  # automations.MAX_ATTEMPTS
    ingest_seconds: float | None = Field(default=None, gt=0)


_HOUR = 3600.0
# Sensible ceilings, several times what a run takes on the slowest machine we measured (a
# quick run's longest training is ~5 min on 2 CPU cores; the lecture profile is meant for a GPU).
LIMITS = {
    "smoke": Limits(run_seconds=1800, ingest_seconds=600, train_seconds=600,
                    generate_seconds=600,
                    evaluate_seconds=900, attempts=3),
    "quick": Limits(run_seconds=4 * _HOUR, ingest_seconds=_HOUR, train_seconds=_HOUR,
                    generate_seconds=_HOUR / 2,
                    evaluate_seconds=_HOUR, attempts=3),
    "lecture": Limits(run_seconds=48 * _HOUR, ingest_seconds=2 * _HOUR,
                      train_seconds=24 * _HOUR, generate_seconds=_HOUR,
                      evaluate_seconds=2 * _HOUR, attempts=3),
}


# A stage flow called on its own (not through the chain, which sets the profile's timeouts)
# still ends: the decorators' timeouts are the most generous profile's.
CEILING = LIMITS["lecture"]


def limits_for(profile: str, given: "Limits | None" = None) -> Limits:
    """``given``'s fields over the profile's defaults (every field set)."""
    base = LIMITS[profile]
    return base if given is None else base.model_copy(update=given.model_dump(exclude_none=True))


PipelineConfig.model_rebuild()
