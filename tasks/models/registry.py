"""The model registry: one entry per model, the only place a model's facts are written.

An entry names the model's builder (``"module:function"``, imported lazily so that listing
models never imports Keras), the data it trains on by default, its training recipe (``kind``),
how it samples, and its lecture and quick profiles. The CLI's choices, the profiles, training
dispatch and generation all read this registry; adding a model is one ``register`` call plus
its builder module.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from genflow.core.errors import ConfigError

if TYPE_CHECKING:
    from genflow.tasks.models.built import Built
    from genflow.tasks.models.config import ModelConfig, TrainConfig

# Training recipes the loop knows; a new model of an existing kind needs no loop change.
KINDS = ("pixel", "autoencoder", "vae", "gan")
# How generation turns noise into images: per-pixel histograms, N(0, I) into the sampler, or
# a mixture of Gaussians fitted to the encoder's codes of training images (a plain
# autoencoder's latent space is not N(0, I); generation/sampling.py).
Sampling = Literal["histogram", "normal", "fitted_mixture"]
Overrides = tuple[dict[str, Any], dict[str, Any]]  # (model fields, train fields)


@dataclass(frozen=True)
class ModelEntry:
    """One registered model.

    Attributes:
        name: the model's name (CLI choice, config ``model.name``, folder name).
        builder: ``"module:function"``; the function maps (ModelConfig, TrainConfig,
            jit_compile, mixed_precision) to a checked ``Built``.
        kind: training recipe, one of KINDS.
        sampling: how generation draws images.
        dataset, classes, value_range: default data ("mnist" / "fashion_mnist", a class
            filter or None, "unit" [0, 1] or "symmetric" [-1, 1]).
        lecture: the lecture program's exact settings (model, train) over the config defaults.
        quick: the CPU quick profile's settings over ``lecture``.
        program: the lecture program it reproduces (documentation).
        jit_on_cpu: XLA is faster for this model on a CPU (measured with bench/train.py on
            2 cores: for none of the lecture's models; it cost the MLP GAN 3-8x and the DCGAN
            3-7x).
        default: part of a default ``genflow run``.
    """

    name: str
    builder: str
    kind: str
    sampling: Sampling = "normal"
    dataset: str = "mnist"
    classes: tuple[int, ...] | None = None
    value_range: Literal["unit", "symmetric"] = "unit"
    lecture: Overrides = field(default_factory=lambda: ({}, {}))
    quick: Overrides = field(default_factory=lambda: ({}, {}))
    program: str = ""
    jit_on_cpu: bool = False
    default: bool = True

    @property
    def builder_module(self) -> str:
        return self.builder.partition(":")[0]

    def build(self, config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
              mixed_precision: bool = False) -> Built:
        module, _, func = self.builder.partition(":")
        fn: Callable[..., Built] = getattr(importlib.import_module(module), func)
        built = fn(config, train, jit_compile=jit_compile, mixed_precision=mixed_precision)
        if built.kind != self.kind:
            raise ConfigError(f"model {self.name!r}: builder returned kind {built.kind!r}, "
                              f"registered as {self.kind!r}")
        return built


REGISTRY: dict[str, ModelEntry] = {}


def register(entry: ModelEntry) -> ModelEntry:
    """Add (or replace) ``entry``; ConfigError for an unknown kind or a malformed builder."""
    if entry.kind not in KINDS:
        raise ConfigError(f"model {entry.name!r}: kind {entry.kind!r} is not one of {KINDS}")
    if ":" not in entry.builder:
        raise ConfigError(f"model {entry.name!r}: builder {entry.builder!r} must be 'module:function'")
    REGISTRY[entry.name] = entry
    return entry


def get(name: str) -> ModelEntry:
    """The entry of ``name``; ConfigError naming the registered models otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(f"model {name!r} is not one of {', '.join(REGISTRY)}") from None


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def default_names() -> list[str]:
    return [n for n, e in REGISTRY.items() if e.default]


def build(config: ModelConfig, train: TrainConfig, jit_compile: bool = False,
          mixed_precision: bool = False) -> Built:
    """Build ``config.name`` through its entry and verify its shapes (ConfigError if not)."""
    return get(config.name).build(config, train, jit_compile, mixed_precision)


_B = "genflow.tasks.models.builders"
_CONV_AE_STEPS = {"checkpoint_every": 200, "grid_every": 200}
_DCGAN_LECTURE: Overrides = (
    {"zdim": 100, "learning_rate": 1e-3, "dropout": 0.4, "bn_momentum": 0.9},
    {"steps": 5000, "batch_size": 64, "checkpoint_every": 500, "grid_every": 100})
# quick: every model recognisable within the 12-minute budget of a cold `genflow run` on a
# fresh clone, set-up included (2 cores, bfloat16, 10 iterations per call; measured with
# bench/quick_run.py, budgets chosen with bench/iterations.py against the domain classifier).
# The GANs keep the lecture's networks and batches but take Adam(3e-4, beta_1 0.5) (the DCGAN
# paper's beta_1; the notes' 1e-3 is unstable this early), the discriminator at twice that
# rate (the two time-scale rule) and sample from an average of the generator's weights
# (decay 0.99 after the warm-up: 0.98 at iteration 450). Without these the DCGAN needed 1,000
# iterations and the MLP GAN 6,000.
_GAN_QUICK = {"learning_rate": 3e-4, "beta_1": 0.5, "d_learning_rate": 6e-4, "ema": 0.99}


def _dcgan_quick(steps: int, checkpoint_every: int) -> Overrides:
    return (_GAN_QUICK, {"steps": steps, "batch_size": 64, "checkpoint_every": checkpoint_every,
                         "grid_every": 50})


register(ModelEntry(
    name="pixel", builder=f"{_B}:build_pixel", kind="pixel", sampling="histogram",
    classes=(0,), program="P1", lecture=({}, {"steps": 1})))


def _p2_autoencoder(name: str, zdim: int, program: str, quick_steps: int,
                    quick_model: dict | None = None) -> ModelEntry:
    """P2's conv autoencoder at ``zdim``, sampled from a 10-Gaussian mixture fitted to its codes
    (generation/sampling.py)."""
    return register(ModelEntry(
        name=name, builder=f"{_B}:build_autoencoder_model", kind="autoencoder",
        sampling="fitted_mixture", program=program,
        lecture=({"zdim": zdim, "learning_rate": 1e-3},
                 {"epochs": 5, "batch_size": 128, "validation": True, **_CONV_AE_STEPS}),
        quick=(quick_model or {}, {"epochs": None, "steps": quick_steps,
                                   "checkpoint_every": 100, "grid_every": 100})))


# 600 iterations at Adam(3e-3): top-class probability 0.94 from the fitted mixture (0.84-0.85 from
# one Gaussian, which more iterations did not lift: 0.844-0.848 at 600-1,200)
_p2_autoencoder("autoencoder", 32, "P2-P4", 600, {"learning_rate": 3e-3})
_p2_autoencoder("autoencoder_2d", 2, "P4", 300)  # P4's map, trained in the pipeline (cheap)
register(ModelEntry(
    name="vae", builder=f"{_B}:build_vae_model", kind="vae", program="P5",
    lecture=({"zdim": 2, "learning_rate": 1e-3},
             {"epochs": 10, "batch_size": 128, "validation": True, **_CONV_AE_STEPS}),
    # P5's 2-D latent at Adam(3e-3), 1,200 iterations (about 70 s here): top-class
    # probability 0.86-0.875 (the notes' 1e-3 needed 2,000 for 0.86; 800 of them gave 0.77)
    quick=({"learning_rate": 3e-3},
           {"epochs": None, "steps": 1200, "checkpoint_every": 400, "grid_every": 200})))
register(ModelEntry(
    name="mlp_gan", builder=f"{_B}:build_mlp_gan", kind="gan", value_range="symmetric",
    program="P6",
    lecture=({"zdim": 128, "learning_rate": 2e-4, "dropout": 0.3},
             {"epochs": 200, "batch_size": 512, "checkpoint_every": 500, "grid_every": 118}),
    # 3,000 iterations (about a minute here): 10 of 10 classes, top-class probability 0.90 and
    # recall 0.56 on classifier features (the plain recipe's 6,000: 0.90, 0.53)
    quick=(_GAN_QUICK,
           {"epochs": None, "steps": 3000, "batch_size": 128, "checkpoint_every": 1000,
            "grid_every": 500})))
register(ModelEntry(
    name="dcgan", builder=f"{_B}:build_dcgan", kind="gan", value_range="symmetric",
    program="P7", lecture=_DCGAN_LECTURE,
    # 450 iterations: 10 of 10 classes, top-class probability 0.87 (plain, 1,000: 0.865)
    quick=_dcgan_quick(450, 150)))
register(ModelEntry(
    name="fashion_dcgan", builder=f"{_B}:build_dcgan", kind="gan", value_range="symmetric",
    dataset="fashion_mnist", classes=(9,), program="P8", lecture=_DCGAN_LECTURE,
    # 400 iterations: boots in 99 % of the samples (350: 99.4 %, recall 0.57 on classifier
    # features; plain, 1,000: 99.1 %, 0.52)
    quick=_dcgan_quick(400, 200)))

# Models registered outside genflow (a user's own, or a test's): modules named in
# $GENFLOW_MODEL_PLUGINS (comma-separated) are imported here, so every process that reads the
# registry (a worker's flow run too) knows them. Each module calls ``register``.
PLUGINS_ENV = "GENFLOW_MODEL_PLUGINS"
for _plugin in filter(None, (p.strip() for p in os.environ.get(PLUGINS_ENV, "").split(","))):
    try:
        importlib.import_module(_plugin)
    except ImportError as _e:
        raise ConfigError(f"${PLUGINS_ENV}: cannot import {_plugin!r}: {_e}") from None
