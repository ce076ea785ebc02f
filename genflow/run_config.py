"""``genflow run``'s configuration: a YAML file mapping onto PipelineConfig (the schema the
deployments' ``config`` parameter uses), with command-line flags on top.

Every PipelineConfig field has a flag; a flag given wins over the file; the file wins over the
defaults. Unknown keys and bad values fail with the file and the key named (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from genflow.core.errors import InputError

DATASETS = ("mnist", "fashion_mnist")
SOURCES = ("auto", "tfds", "idx", "csv")
PROFILES = ("smoke", "quick", "lecture")
# flag dest -> PipelineConfig field (only flags the user gave are applied)
FLAG_FIELDS = {"profile": "profile", "models": "models", "datasets": "datasets",
               "samples": "samples", "seed": "seed", "source": "source",
               "extractor": "extractor", "inception_weights": "inception_weights",
               "concurrency": "concurrency", "task_runner": "task_runner",
               "dask_address": "dask_address"}


def add_pipeline_options(p: argparse.ArgumentParser, models: tuple[str, ...],
                         default_models: list[str]) -> None:
    """The flags of every PipelineConfig field (no defaults here: unset flags leave the file's
    value or the config's default)."""
    s = argparse.SUPPRESS
    p.add_argument("--config", metavar="FILE.yaml", default=s,
                   help="PipelineConfig fields in YAML; flags given here override it")
    p.add_argument("--profile", choices=PROFILES, default=s,
                   help="default: quick on a CPU, lecture when a GPU is present")
    p.add_argument("--models", nargs="+", choices=models, default=s,
                   help=f"default: {' '.join(default_models)}")
    p.add_argument("--datasets", nargs="+", choices=DATASETS, default=s,
                   help="default: the lecture's dataset for each model")
    p.add_argument("--samples", type=int, metavar="N", default=s,
                   help="samples per model (default: smoke 64, quick 2000, lecture 10000)")
    p.add_argument("--seed", type=int, default=s, help="sampling seed (default 0)")
    p.add_argument("--source", choices=SOURCES, default=s, help="raw data source (default auto)")
    p.add_argument("--extractor", choices=("domain", "inception"), default=s)
    p.add_argument("--inception-weights", metavar="FILE", default=s)
    p.add_argument("--concurrency", type=int, default=s, help="branches run at once (default 1)")
    p.add_argument("--task-runner", choices=("threads", "dask"), default=s)
    p.add_argument("--dask-address", metavar="ADDR", default=s, help="an existing Dask scheduler")
    p.add_argument("--set", dest="overrides", action="append", default=s,
                   metavar="MODEL.SECTION.FIELD=VALUE",
                   help="override one model's config field, e.g. dcgan.train.steps=500")
    p.add_argument("--limit", dest="limits", action="append", default=s, metavar="FIELD=VALUE",
                   help="a timeout or the attempts of an unattended run over the profile's, "
                        "e.g. train_seconds=1800 (fields: run_seconds, train_seconds, "
                        "generate_seconds, evaluate_seconds, attempts)")


def read_config_file(path: str) -> dict[str, Any]:
    """The YAML mapping in ``path``; InputError naming the file otherwise."""
    import yaml

    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{file}: cannot read the config file ({e.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"{file}: not valid YAML ({first})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{file}: must hold a mapping of PipelineConfig fields, "
                         f"got {type(data).__name__}")
    return data


def model_overrides(pairs: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """``["dcgan.train.steps=500"]`` -> {"dcgan": {"model": {}, "train": {"steps": 500}}}."""
    from genflow.tasks.training.profiles import parse_overrides

    by_model: dict[str, list[str]] = {}
    for pair in pairs:
        model, dot, rest = pair.partition(".")
        if not dot or not rest:
            raise InputError(f"--set {pair!r} must look like MODEL.train.FIELD=VALUE")
        by_model.setdefault(model, []).append(rest)
    return {model: {k: v for k, v in parse_overrides(rest).items() if v}
            for model, rest in by_model.items()}


def resolve(args: argparse.Namespace, default_profile: str | None = None) -> Any:
    """The PipelineConfig of ``args``: defaults < ``--config`` file < flags given."""
    from genflow.flows.config import PipelineConfig

    source = getattr(args, "config", None)
    fields = read_config_file(source) if source else {}
    for dest, name in FLAG_FIELDS.items():
        if hasattr(args, dest):
            fields[name] = getattr(args, dest)
    if getattr(args, "overrides", None):
        merged = {m: {s: dict(v) for s, v in sections.items()}
                  for m, sections in (fields.get("overrides") or {}).items()}
        for model, sections in model_overrides(args.overrides).items():
            for section, values in sections.items():
                merged.setdefault(model, {}).setdefault(section, {}).update(values)
        fields["overrides"] = merged
    if getattr(args, "limits", None):
        limits = dict(fields.get("limits") or {})
        for pair in args.limits:
            name, eq, value = pair.partition("=")
            if not eq or not name:
                raise InputError(f"--limit {pair!r} must look like FIELD=VALUE")
            limits[name] = value
        fields["limits"] = limits
    if "profile" not in fields and default_profile:
        fields["profile"] = default_profile
    try:
        return PipelineConfig(**fields)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "config"
        where = f"{Path(source).expanduser()}: " if source else ""
        raise InputError(f"{where}{key}: {err['msg']}") from None


def to_yaml(config: Any) -> str:
    import yaml

    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
