"""The train flow under a real Prefect server: takes ingested records, trains, caches,
retrains on a config change, and emits its event only when it trained."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flows.test_ingest_flow import _task_states

pytestmark = pytest.mark.usefixtures("prefect_server")


def _mnist(root_dir: Path) -> list:
    from genflow.flows.chain import ingest_datasets

    return ingest_datasets(["mnist"], "csv", str(root_dir))["mnist"]


def test_train_flow_caches_and_retrains_on_change(mnist_csv: Path, root_dir: Path) -> None:
    from genflow.flows.train import train
    from genflow.tasks.training.request import ModelRequest

    data = _mnist(root_dir)

    def run(**overrides):
        request = ModelRequest(model="mlp_gan", profile="smoke", overrides=overrides)
        state = train(request, data, root=str(root_dir), return_state=True)
        return state.result(), state.state_details.flow_run_id

    first, run1 = run()
    assert first.steps == 4 and first.resumed_from == 0 and first.dataset == "mnist"
    assert (root_dir / first.files["sampler"]).is_file()
    assert (root_dir / first.files["history"]).is_file()
    assert (root_dir / first.files["discriminator"]).is_file()  # saved for users to probe
    assert [r.path for r in first.data] == [r.path for r in data]
    assert _task_states(run1)["train-model"] == ["Completed"]
    assert set(_task_states(run1)) == {"train-model"}  # no ingest inside the train stage

    again, run2 = run()
    assert _task_states(run2)["train-model"] == ["Cached"]
    assert again.sampler_sha256 == first.sampler_sha256

    changed, run3 = run(train={"steps": 6})
    assert _task_states(run3)["train-model"] == ["Completed"]
    assert changed.steps == 6 and changed.run_dir != first.run_dir
    assert changed.overrides == {"train": {"steps": 6}}


def test_train_flow_rejects_a_bad_config_before_training(mnist_csv: Path, root_dir: Path) -> None:
    from genflow.core.errors import ConfigError
    from genflow.flows.train import train
    from genflow.tasks.training.request import ModelRequest

    data = _mnist(root_dir)
    request = ModelRequest(model="mlp_gan", profile="smoke",
                           overrides={"model": {"generator_output": 644}})
    with pytest.raises(ConfigError, match="generator outputs shape"):
        train(request, data, root=str(root_dir))
    assert not (root_dir / "models").exists() or not list((root_dir / "models").rglob("*.keras"))


def test_a_stage_past_its_timeout_ends_timed_out(mnist_csv: Path, root_dir: Path) -> None:
    """``Limits.train_seconds`` bounds the train stage: a training that outlasts it ends
    TimedOut (in-process the error reaches the caller; a deployment run ends TimedOut)."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowRunSort

    from genflow.flows.chain import run_model
    from genflow.flows.config import Limits
    from genflow.tasks.training.request import ModelRequest

    data = _mnist(root_dir)
    request = ModelRequest(model="mlp_gan", profile="smoke", overrides={"train": {
        "steps": 100_000, "batch_size": 64, "checkpoint_every": 500, "grid_every": 50_000}})
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        run_model(request, data, str(root_dir), "train", source="csv",
                  limits=Limits(train_seconds=8))
    assert time.monotonic() - t0 < 60  # ended at its timeout, not after 100,000 iterations
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=5)
    assert runs[0].state_name == "TimedOut"  # the train stage, the latest run started
