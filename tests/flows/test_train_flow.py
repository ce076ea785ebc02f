"""The train flow under a real Prefect server: trains, caches, retrains on a config change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flows.test_ingest_flow import _task_states

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_train_flow_caches_and_retrains_on_change(mnist_csv: Path, root_dir: Path) -> None:
    from flows.train import train

    def run(**overrides):
        state = train(model="mlp_gan", profile="smoke", source="csv", root=str(root_dir),
                      overrides=overrides or None, return_state=True)
        return state.result(), state.state_details.flow_run_id

    first, run1 = run()
    assert first.steps == 4 and first.resumed_from == 0 and first.dataset == "mnist"
    assert (root_dir / first.files["sampler"]).is_file()
    assert (root_dir / first.files["history"]).is_file()
    assert _task_states(run1)["train-model"] == ["Completed"]

    again, run2 = run()
    assert _task_states(run2)["train-model"] == ["Cached"]
    assert again.sampler_sha256 == first.sampler_sha256

    changed, run3 = run(train={"steps": 6})
    assert _task_states(run3)["train-model"] == ["Completed"]
    assert changed.steps == 6 and changed.run_dir != first.run_dir


def test_train_flow_rejects_a_bad_config_before_training(root_dir: Path) -> None:
    from flows.train import train
    from genflow.errors import ConfigError

    with pytest.raises(ConfigError, match="generator outputs shape"):
        train(model="mlp_gan", profile="smoke", source="csv", root=str(root_dir),
              overrides={"model": {"generator_output": 644}})
    assert not (root_dir / "models").exists() or not list((root_dir / "models").rglob("*.keras"))
