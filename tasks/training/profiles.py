"""Profiles: smoke (seconds, for tests), quick (the CPU default), lecture (the notes exactly).

A profile is a small override of the configs' defaults per model; users override any field on
top (``--set train.steps=500 --set model.zdim=2``).

Lecture hyper-parameters the notes leave open use Keras's defaults, which is what the notes'
``optimizer='adam'`` meant: Adam(1e-3, beta_1=0.9) for the autoencoders and the DCGAN.
"""

from __future__ import annotations

import json
from typing import Any

from genflow.errors import ConfigError
from tasks.models.config import MODEL_NAMES, ModelConfig, RunSpec, TrainConfig
from tasks.models.registry import MODEL_DATA

PROFILES = ("smoke", "quick", "lecture")

# model -> (model overrides, train overrides)
_LECTURE: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "pixel": ({}, {"steps": 1}),
    "autoencoder": ({"zdim": 32, "learning_rate": 1e-3},
                    {"epochs": 5, "batch_size": 128, "validation": True,
                     "checkpoint_every": 200, "grid_every": 200}),
    "vae": ({"zdim": 2, "learning_rate": 1e-3},
            {"epochs": 10, "batch_size": 128, "validation": True,
             "checkpoint_every": 200, "grid_every": 200}),
    "mlp_gan": ({"zdim": 128, "learning_rate": 2e-4, "dropout": 0.3},
                {"epochs": 200, "batch_size": 512, "checkpoint_every": 500, "grid_every": 118}),
    "dcgan": ({"zdim": 100, "learning_rate": 1e-3, "dropout": 0.4, "bn_momentum": 0.9},
              {"steps": 5000, "batch_size": 64, "checkpoint_every": 500, "grid_every": 100}),
}
_LECTURE["fashion_dcgan"] = _LECTURE["dcgan"]

# quick: all six models within the CPU budget, in fixed iterations so full MNIST does not
# lengthen it (measured on 2 cores; see README).
_QUICK: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "pixel": ({}, {}),
    "autoencoder": ({}, {"epochs": None, "steps": 400, "checkpoint_every": 100, "grid_every": 100}),
    "vae": ({}, {"epochs": None, "steps": 600, "checkpoint_every": 100, "grid_every": 100}),
    "mlp_gan": ({"learning_rate": 2e-4, "beta_1": 0.5},
                {"epochs": None, "steps": 1500, "batch_size": 128, "checkpoint_every": 250,
                 "grid_every": 250}),
    "dcgan": ({"learning_rate": 2e-4, "beta_1": 0.5},
              {"steps": 150, "batch_size": 64, "checkpoint_every": 50, "grid_every": 50}),
}
_QUICK["fashion_dcgan"] = _QUICK["dcgan"]

_SMOKE_TRAIN = {"epochs": None, "steps": 4, "batch_size": 16, "checkpoint_every": 2,
                "grid_every": 2, "grid_samples": 4}


def _merge(base: dict[str, Any], *overrides: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for o in overrides:
        out.update(o)
    return out


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["train.steps=500", "model.zdim=2"]`` -> {"train": {"steps": 500}, "model": {...}}.

    Values are JSON when they parse as JSON (numbers, true/false, lists), else strings.
    """
    out: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        section, dot, field = key.partition(".")
        if not sep or not dot or section not in out or not field:
            raise ConfigError(f"override {pair!r} must look like train.FIELD=VALUE or model.FIELD=VALUE")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[section][field] = value
    return out


def make_spec(model: str, dataset: str | None = None, profile: str = "quick",
              overrides: dict[str, dict[str, Any]] | None = None) -> RunSpec:
    """The RunSpec of ``model`` under ``profile`` with user ``overrides`` applied.

    Raises:
        ConfigError: unknown model or profile, or an override pydantic rejects.
    """
    if model not in MODEL_NAMES:
        raise ConfigError(f"model {model!r} is not one of {', '.join(MODEL_NAMES)}")
    if profile not in PROFILES:
        raise ConfigError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    overrides = overrides or {}
    default_dataset, classes, value_range = MODEL_DATA[model]
    lecture_model, lecture_train = _LECTURE[model]
    quick_model, quick_train = _QUICK[model]
    model_fields = _merge({"name": model}, lecture_model,
                          quick_model if profile != "lecture" else {},
                          overrides.get("model", {}))
    train_fields = _merge({"classes": classes, "value_range": value_range}, lecture_train,
                          quick_train if profile != "lecture" else {},
                          _SMOKE_TRAIN if profile == "smoke" else {},
                          overrides.get("train", {}))
    from pydantic import ValidationError

    section = "model"
    try:
        model_config = ModelConfig(**model_fields)
        section = "train"
        train_config = TrainConfig(**train_fields)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(map(str, err["loc"]))
        raise ConfigError(f"{section}.{field}: {err['msg']}") from e
    return RunSpec(model=model_config, train=train_config, dataset=dataset or default_dataset,
                   profile=profile)
