"""Typed configuration of every model and of training (pydantic; defaults = the lecture).

Profiles (tasks.training.profiles) are small overrides of these defaults; users can override
any field with ``--set field=value``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ModelConfig(BaseModel):
    """Architecture and optimiser of one model. Fields a model does not use are ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str
    zdim: int = Field(default=32, ge=1, le=4096)
    # P6 MLP GAN: hidden sizes of G (D mirrors them reversed) and the generator's output size.
    # The lecture's mistake, 28*23 = 644, is caught by the pre-flight check.
    generator_units: list[int] = Field(default_factory=lambda: [256, 512, 1024])
    generator_output: int = 784
    leaky_slope: float = 0.2
    dropout: float = Field(default=0.3, ge=0.0, lt=1.0)
    bn_momentum: float = Field(default=0.9, gt=0.0, lt=1.0)
    learning_rate: float = Field(default=2e-4, gt=0.0)
    beta_1: float = Field(default=0.9, ge=0.0, lt=1.0)
    # GANs only, both off in the lecture. d_learning_rate: the discriminator's own learning
    # rate (two time-scale update rule, Heusel et al. 2017); None = learning_rate.
    # ema: decay of an exponential moving average of the generator's weights (Yazici et al.
    # 2019; Karras et al.); sampling and the saved generator use the average. The decay at
    # iteration t is min(ema, (1 + t) / (10 + t)), so early iterations are not averaged away.
    d_learning_rate: float | None = Field(default=None, gt=0.0)
    ema: float | None = Field(default=None, gt=0.0, lt=1.0)

    @field_validator("name")
    @classmethod
    def _registered(cls, name: str) -> str:
        from genflow.tasks.models import registry

        if name not in registry.REGISTRY:
            raise ValueError(f"{name!r} is not a registered model ({', '.join(registry.names())})")
        return name


class TrainConfig(BaseModel):
    """How to train.

    Attributes:
        steps: optimiser iterations (one batch each). For the GANs one iteration is a
            discriminator update on a real and a fake batch then a generator update.
        epochs: if set, overrides ``steps`` with ceil(epochs * training images / batch_size).
        batch_size: images per batch (per iteration).
        classes: class filter on the training split (None = all).
        checkpoint_every: iterations between checkpoints (a crash loses at most this many).
        grid_every: iterations between progress grids (20 samples from fixed noise).
        seed: seeds weights, data order and noise: same seed, same losses on CPU.
        value_range: pixel range the model trains on: "unit" [0, 1] or "symmetric" [-1, 1].
        validation: evaluate on the test split after each interval (autoencoders).
        steps_per_execution: iterations per compiled call ("auto": 10). Returning to Python
            after every iteration cost the DCGAN a third of its speed and the MLP GAN half
            (bench/train.py). The history holds one row per call: the mean of its
            iterations. The value used is the largest divisor of it that also divides
            checkpoint_every, grid_every and the total, so checkpoints and grids fall on
            call boundaries. Under several replicas (MirroredStrategy) it is 1: Keras 3.15's
            multi-step loop fails there.
        jit_compile, mixed_precision: "auto" follows the device (tasks/training/devices.py).
    """

    model_config = ConfigDict(extra="forbid")

    steps: int = Field(default=1000, ge=1)
    epochs: float | None = Field(default=None, gt=0)
    batch_size: int = Field(default=64, ge=1)
    classes: list[int] | None = None
    checkpoint_every: int = Field(default=100, ge=1)
    grid_every: int = Field(default=100, ge=1)
    grid_samples: int = Field(default=20, ge=1, le=100)
    seed: int = 0
    value_range: Literal["unit", "symmetric"] = "unit"
    validation: bool = False
    steps_per_execution: Annotated[int, Field(ge=1, le=1000)] | Literal["auto"] = "auto"
    jit_compile: bool | Literal["auto"] = "auto"
    mixed_precision: bool | Literal["auto"] = "auto"


class RunSpec(BaseModel):
    """One training run: which model on which dataset, configured how."""

    model_config = ConfigDict(extra="forbid")

    model: ModelConfig
    train: TrainConfig
    dataset: Literal["mnist", "fashion_mnist"]
    profile: str = "custom"
