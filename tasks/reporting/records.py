"""What one pipeline branch (model x dataset) produced, and what the report stage wrote."""

from __future__ import annotations

from pydantic import BaseModel

from tasks.evaluation.records import EvalRecord
from tasks.generation.records import SampleRecord
from tasks.training.records import TrainRecord


class BranchResult(BaseModel):
    trained: TrainRecord
    samples: SampleRecord
    evaluation: EvalRecord


class ReportRecord(BaseModel):
    """Paths relative to the root: the HTML report and each table's folder."""

    run_id: str
    html: str
    tables: dict[str, str]
    files: list[str]
