"""The report flow: evaluate one trained model and write its report rows and HTML.

Deployed with a trigger on the ``genflow.model.trained`` event that the train flow emits, so a
finished training run is evaluated and reported without anyone asking. It is the pipeline
restricted to one branch: every stage it repeats is cached.
"""

# No `from __future__ import annotations` here: Dask ships flow functions by value, and
# their parameter annotations must be real objects, not names to resolve in the worker.

from prefect import flow

from flows.pipeline import PipelineConfig, PipelineResult, pipeline


@flow(name="report", log_prints=False)
def report(model: str = "dcgan", dataset: str | None = None, profile: str = "quick",
           source: str = "auto", root: str | None = None) -> PipelineResult:
    """Evaluate ``model`` (training only if not cached) and write the run's reports."""
    config = PipelineConfig(profile=profile, models=[model], source=source,
                            datasets=[dataset] if dataset else None)
    return pipeline(config, root=root)
