"""Profiles: smoke (seconds, for tests), quick (the CPU default), lecture (the notes exactly).

A profile is a small override of the configs' defaults per model; users override any field on
top (``--set train.steps=500 --set model.zdim=2``).

Lecture hyper-parameters the notes leave open use Keras's defaults, which is what the notes'
``optimizer='adam'`` meant: Adam(1e-3, beta_1=0.9) for the autoencoders and the DCGAN.
"""

from __future__ import annotations

import json
from typing import Any

from genflow.core.errors import ConfigError
from genflow.tasks.models import registry
from genflow.tasks.models.config import ModelConfig, RunSpec, TrainConfig

PROFILES = ("smoke", "quick", "lecture")

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
    entry = registry.get(model)
    if profile not in PROFILES:
        raise ConfigError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    overrides = overrides or {}
    classes = list(entry.classes) if entry.classes is not None else None
    lecture_model, lecture_train = entry.lecture
    quick_model, quick_train = entry.quick
    model_fields = _merge({"name": model}, lecture_model,
                          quick_model if profile != "lecture" else {},
                          overrides.get("model", {}))
    train_fields = _merge({"classes": classes, "value_range": entry.value_range}, lecture_train,
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
    return RunSpec(model=model_config, train=train_config, dataset=dataset or entry.dataset,
                   profile=profile)
