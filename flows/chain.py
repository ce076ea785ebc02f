"""The one helper that chains stages for a model: the pipeline's branches and the CLI's stage
commands (``genflow train|generate|evaluate``) both go through it, so each upstream stage runs
once per call. Stage flows themselves never call one another.
"""

# No `from __future__ import annotations` here: Dask ships these functions by value.

from dataclasses import dataclass
from typing import Literal

from prefect import flow

from genflow.flows.evaluate import evaluate
from genflow.flows.generate import generate
from genflow.flows.ingest import ingest
from genflow.flows.train import train
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.records import SplitRecord
from genflow.tasks.evaluation.config import EvalConfig
from genflow.tasks.evaluation.records import EvalRecord
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.training.records import TrainRecord
from genflow.tasks.training.request import ModelRequest

Stage = Literal["train", "generate", "evaluate"]


@dataclass
class Chained:
    """The records of the stages that ran (later ones None when the chain stopped earlier)."""

    trained: TrainRecord
    samples: SampleRecord | None = None
    evaluation: EvalRecord | None = None


def ingest_datasets(datasets: list[str], source: str, root_url: str,
                    path: str | None = None) -> dict[str, list[SplitRecord]]:
    """One ingest flow run per distinct dataset: {dataset: [train, test]}."""
    return {d: ingest(IngestConfig(dataset=d, source=source, path=path), root=root_url)
            for d in sorted(set(datasets))}


def run_model(request: ModelRequest, data: list[SplitRecord], root_url: str, upto: Stage = "evaluate",
              n: int | None = None, seed: int = 0, evaluation: EvalConfig | None = None,
              source: str = "auto", caller: str = "standalone") -> Chained:
    """train -> generate -> evaluate one model on ingested ``data``, stopping after ``upto``."""
    trained = train(request, data, root=root_url, source=source, caller=caller)
    if upto == "train":
        return Chained(trained=trained)
    return run_from_trained(trained, root_url, upto, n=n, seed=seed, evaluation=evaluation)


def run_from_trained(trained: TrainRecord, root_url: str, upto: Stage = "evaluate",
                     n: int | None = None, seed: int = 0,
                     evaluation: EvalConfig | None = None) -> Chained:
    """generate -> evaluate a model that is already trained (the report flow's chain)."""
    out = Chained(trained=trained, samples=generate(trained, n=n, seed=seed, root=root_url))
    if upto == "evaluate":
        out.evaluation = evaluate(out.samples, trained, evaluation, root=root_url)
    return out


def run_stage(request: ModelRequest, root_url: str, upto: Stage, source: str = "auto",
              n: int | None = None, seed: int = 0, evaluation: EvalConfig | None = None) -> Chained:
    """A stage called alone: its upstream resolved once (ingest, then the stages before it)."""
    dataset = request.spec().dataset
    data = ingest_datasets([dataset], source, root_url)[dataset]
    return run_model(request, data, root_url, upto, n=n, seed=seed, evaluation=evaluation,
                     source=source)


@flow(name="train-run", log_prints=False)
def train_run(request: ModelRequest, source: str = "auto", root: str | None = None) -> TrainRecord:
    """The train deployment's entry point: ingest the request's dataset, then train (the same
    chain as ``genflow train``). The train stage emits ``genflow.model.trained``."""
    from genflow.storage.root import resolve_root

    return run_stage(request, resolve_root(root).url, "train", source=source).trained
