"""Every model trains a few real steps on real data, saves, and loads back with safe mode."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from genflow.storage.root import resolve_root
from genflow.storage.runs import RunStore
from genflow.tasks.models.registry import default_names
from genflow.tasks.training import loop
from genflow.tasks.training.profiles import make_spec
from tests.training.conftest import prepare


@pytest.mark.parametrize("model", default_names())
def test_smoke_train_save_load(model: str, real_splits, tmp_path: Path) -> None:
    spec = make_spec(model, profile="smoke")
    x_train, x_test = prepare(spec, real_splits)
    store = RunStore.for_run(resolve_root(tmp_path), model, spec.dataset, "0" * 16)
    seen: list[int] = []
    outcome = loop.train(spec, x_train, x_test, store, progress=lambda s, t, m: seen.append(s),
                         verbose=False)
    assert all(math.isfinite(v) for v in outcome.final.values())
    grids = [tmp_path / g for g in outcome.grids]
    assert grids and all(g.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for g in grids)
    if model == "pixel":
        probs = store.load_arrays("pixel.npz")["probs"]
        assert probs.shape == (28, 28, 256)
        return
    # smoke: 4 iterations in compiled calls of gcd(10, checkpoint 2, grid 2) = 2
    assert outcome.steps == 4 and seen == [2, 4]
    history = store.read_history()
    assert sorted({s for s, _, _ in history}) == [2, 4]
    sampler = store.load_keras()  # safe_mode=True
    z = np.random.default_rng(0).standard_normal((5, spec.model.zdim)).astype(np.float32)
    out = np.asarray(sampler.predict(z, verbose=0))
    assert out.shape in ((5, 28, 28, 1), (5, 784))
    low, high = (-1.0, 1.0) if spec.train.value_range == "symmetric" else (0.0, np.inf)
    assert out.min() >= low and out.max() <= high
    if model == "vae":
        assert out.max() <= 1.0
        assert {"kl", "reconstruction", "val_loss"} <= set(outcome.final)
    if model in ("mlp_gan", "dcgan", "fashion_dcgan"):
        assert {"d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real_mean",
                "d_fake_mean"} == set(outcome.final)
    if model in ("autoencoder", "vae"):
        assert (tmp_path / outcome.files["encoder"]).is_file()


def test_training_is_deterministic(real_splits, tmp_path: Path) -> None:
    spec = make_spec("dcgan", profile="smoke")
    x_train, x_test = prepare(spec, real_splits)
    runs = []
    for name in ("a", "b"):
        store = RunStore.for_run(resolve_root(tmp_path / name), "dcgan", "mnist", "1" * 16)
        loop.train(spec, x_train, x_test, store, verbose=False)
        z = np.random.default_rng(1).standard_normal((4, 100)).astype(np.float32)
        runs.append((store.read_history(), store.load_keras().predict(z, verbose=0)))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_too_few_images_is_a_config_error(real_splits, tmp_path: Path) -> None:
    from genflow.core.errors import ConfigError

    spec = make_spec("mlp_gan", profile="smoke", overrides={"train": {"batch_size": 512}})
    x_train, _ = prepare(spec, real_splits)
    store = RunStore.for_run(resolve_root(tmp_path), "mlp_gan", "mnist", "2" * 16)
    with pytest.raises(ConfigError, match="fewer than batch_size 512"):
        loop.train(spec, x_train[:100], None, store, verbose=False)


def test_the_training_slot_is_one_per_key_and_root() -> None:
    """Two runs of one key in one root share a slot (one waits); in two roots they do not."""
    from genflow.tasks.training.exclusive import PREFIX, limit_name

    key = "train-" + "ab" * 32
    same = limit_name(key, "/data/a"), limit_name(key, "/data/a")
    assert same[0] == same[1] and same[0].startswith(PREFIX)
    assert limit_name(key, "/data/b") != same[0]
    assert limit_name("train-" + "cd" * 32, "/data/a") != same[0]
