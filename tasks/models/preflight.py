"""Pre-flight: build the networks and check that shapes agree end to end before training.

The lecture's P6 mistake — a generator ending in Dense(28*23) that feeds 644 values to a
784-input discriminator — becomes a ConfigError naming both shapes, not a Keras traceback.
"""

from __future__ import annotations

from typing import Any

from genflow.core.errors import ConfigError


def _shape(tensor_shape: Any) -> tuple[int | None, ...]:
    return tuple(tensor_shape)[1:]


def check_chain(producer: Any, consumer: Any, what: str) -> None:
    """Raise ConfigError unless ``producer``'s output shape equals ``consumer``'s input shape."""
    out = _shape(producer.output.shape)
    inp = _shape(consumer.input.shape)
    if out != inp:
        raise ConfigError(
            f"{what}: {producer.name} outputs shape {out} but {consumer.name} expects {inp}"
        )


def check_image_output(model: Any, image_shape: tuple[int, ...], what: str) -> None:
    """Raise ConfigError unless ``model`` produces images of ``image_shape`` (flat or not)."""
    out = _shape(model.output.shape)
    if out != image_shape:
        raise ConfigError(f"{what}: {model.name} outputs shape {out}, data images are {image_shape}")


def preflight(spec: Any) -> None:
    """Build the networks of ``spec`` (a RunSpec) once, without training, so that a shape
    error surfaces before any branch trains. The pixel model has no network to check."""
    from genflow.tasks.models import registry

    entry = registry.get(spec.model.name)
    if entry.kind != "pixel":
        entry.build(spec.model, spec.train)
