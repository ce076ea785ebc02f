"""The pipeline as a stage graph, read back from Prefect's own database: ingest once per
dataset, every other stage once per branch; configs checked before anything trains; a branch
that fails at run time leaves the others reported and the flow run Failed."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root
from tests.flows.test_pipeline import _flow_runs

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.mark.slow
def test_cold_smoke_run_runs_each_stage_once_per_branch(tmp_path: Path, mnist_csv: Path,
                                                        fashion_idx_dir: Path) -> None:
    from genflow.flows.pipeline import PipelineConfig, pipeline

    since = dt.datetime.now(dt.UTC)
    config = PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"],
                            datasets=["mnist", "fashion_mnist"], source="auto")
    result = pipeline(config, root=str(tmp_path / "root"))
    counts = Counter(name for name, _ in _flow_runs(since))
    branches = 4  # M = 2 models x D = 2 datasets
    assert counts == {"pipeline": 1, "ingest": 2, "train": branches, "generate": branches,
                      "evaluate": branches}, counts
    assert len(result.branches) == branches


def test_every_branch_is_checked_before_anything_trains(tmp_path: Path, mnist_csv: Path) -> None:
    from genflow.core.errors import ConfigError
    from genflow.flows.pipeline import PipelineConfig, pipeline

    since = dt.datetime.now(dt.UTC)
    config = PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv",
                            overrides={"mlp_gan": {"model": {"generator_output": 644}}})
    with pytest.raises(ConfigError, match=r"branch mlp_gan on mnist: model\.generator_output=644"):
        pipeline(config, root=str(tmp_path / "root"))
    assert "train" not in Counter(name for name, _ in _flow_runs(since))
    bad_field = PipelineConfig(models=["vae"], overrides={"vae": {"train": {"batch_size": 0}}})
    with pytest.raises(ConfigError, match=r"branch vae on mnist: train\.batch_size"):
        bad_field.requests()


def test_a_failed_branch_loses_no_other_work(tmp_path: Path, mnist_csv: Path) -> None:
    """mlp_gan asks for more images per batch than digit 0 has: it passes the config check and
    fails when it trains. pixel is still reported; the failure is in the runs table and the
    HTML report; the flow run ends Failed."""
    from genflow.flows.pipeline import BranchesFailed, PipelineConfig, pipeline

    root = tmp_path / "root"
    config = PipelineConfig(profile="smoke", models=["pixel", "mlp_gan"], source="csv",
                            overrides={"mlp_gan": {"train": {"classes": [0], "batch_size": 5000}}})
    state = pipeline(config, root=str(root), return_state=True)
    assert state.is_failed()
    with pytest.raises(BranchesFailed, match="1 of 2 branches failed"):
        state.result()
    art = resolve_root(root)
    metrics = read_table(art, "metrics").to_pylist()
    assert {m["model"] for m in metrics} == {"pixel"} and any(m["metric"] == "fid" for m in metrics)
    [run] = read_table(art, "runs").to_pylist()
    assert run["status"] == "failed" and run["error"].startswith("mlp_gan on mnist: ConfigError")
    html = next((root / "reports" / "html").glob("*.html")).read_text()
    assert "Failed branches" in html and "mlp_gan on mnist" in html and "pixel on mnist" in html
