"""What one pipeline branch (model x dataset) produced, and what the report stage wrote."""

from __future__ import annotations

from pydantic import BaseModel, Field

from genflow.tasks.evaluation.records import EvalRecord
from genflow.tasks.generation.records import SampleRecord
from genflow.tasks.training.records import TrainRecord


class BranchResult(BaseModel):
    """The records of one branch and when each of its stages ran ({stage: [(start, end)]},
    seconds since the epoch)."""

    trained: TrainRecord
    samples: SampleRecord
    evaluation: EvalRecord
    spans: dict[str, list[tuple[float, float]]] = Field(default_factory=dict)


class BranchFailure(BaseModel):
    """A branch that failed at run time: which one, and the error (its message names the stage)."""

    model: str
    dataset: str
    error: str

    @property
    def label(self) -> str:
        return f"{self.model} on {self.dataset}"


class ReportRecord(BaseModel):
    """Paths relative to the root: the HTML report and each table's folder."""

    run_id: str
    html: str
    tables: dict[str, str]
    files: list[str]
