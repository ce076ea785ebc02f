"""The model registry: one entry plus a builder module is all a new model needs; the CLI's
choices, profiles, training and generation read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from genflow.core.errors import ConfigError
from genflow.tasks.models import registry


@pytest.fixture
def toy():
    entry = registry.register(registry.ModelEntry(
        name="toy_gan", builder="tests.models.toy_model:build_toy", kind="gan",
        value_range="symmetric", default=False, lecture=({"zdim": 8}, {"steps": 3}),
        quick=({}, {"steps": 3})))
    yield entry
    registry.REGISTRY.pop("toy_gan")


def test_lecture_models_are_registered_once() -> None:
    assert registry.default_names() == ["pixel", "autoencoder", "autoencoder_2d", "vae",
                                        "mlp_gan", "dcgan", "fashion_dcgan"]
    assert registry.get("fashion_dcgan").classes == (9,)
    with pytest.raises(ConfigError, match="'nope' is not one of pixel"):
        registry.get("nope")
    with pytest.raises(ConfigError, match="kind"):
        registry.register(registry.ModelEntry(name="x", builder="m:f", kind="flow"))


def test_cli_and_profiles_read_the_registry(toy) -> None:
    from genflow.cli import build_parser
    from genflow.flows.pipeline import PipelineConfig
    from genflow.tasks.training.profiles import make_spec

    args = build_parser().parse_args(["train", "--model", "toy_gan"])
    assert args.model == "toy_gan"
    spec = make_spec("toy_gan", profile="smoke")
    assert spec.model.zdim == 8 and spec.train.value_range == "symmetric"
    assert "toy_gan" not in PipelineConfig().models  # not part of a default run


@pytest.mark.usefixtures("prefect_server")
def test_a_registered_toy_model_trains_and_generates(toy, mnist_csv: Path, root_dir: Path) -> None:
    from genflow.flows.chain import run_stage
    from genflow.tasks.training.request import ModelRequest

    out = run_stage(ModelRequest(model="toy_gan", profile="smoke"), str(root_dir), "generate",
                    source="csv", n=10)
    assert out.trained.model == "toy_gan" and out.trained.steps == 4
    assert (root_dir / out.trained.files["discriminator"]).is_file()
    assert out.samples.n == 10 and (root_dir / out.samples.path).is_file()
