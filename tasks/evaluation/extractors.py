"""Feature extractors by name, from a validated registry.

- ``domain``: the dataset's own small CNN classifier (tasks.evaluation.classifier), trained
  inside the pipeline and cached by dataset hash. 128 features plus class probabilities.
- ``inception``: InceptionV3's 2048-d pool features, only from a weights file the user
  supplies (``include_top=False`` .h5/.weights.h5); nothing is downloaded at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genflow.core.errors import ConfigError

EXTRACTORS = ("domain", "inception")


@dataclass
class Extractor:
    """A loaded extractor: ``features(images)`` -> (features (n, dim), probs (n, C) or None).

    Images are float32 (n, 28, 28, 1) in [0, 1].
    """

    name: str
    dim: int
    model: Any

    def features(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if self.name == "domain":
            from genflow.tasks.evaluation.classifier import extract

            return extract(self.model, images)
        return _inception_features(self.model, images), None


def inception_weights_path(weights: str | Path | None) -> Path:
    """The weights file of the inception extractor, checked without loading it (ConfigError)."""
    if not weights:
        raise ConfigError("the inception extractor needs a weights file (include_top=False "
                          "InceptionV3 weights, e.g. inception_v3_..._notop.h5); genflow never "
                          "downloads weights. Use the 'domain' extractor or pass the file.")
    path = Path(weights).expanduser()
    if not path.is_file():
        raise ConfigError(f"{path}: inception weights file not found")
    return path


def load_inception(weights: str | Path | None) -> Extractor:
    """InceptionV3 (no top, average pooling) from ``weights``; ConfigError without one."""
    path = inception_weights_path(weights)
    import keras

    model = keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg",
                                           input_shape=(299, 299, 3))
    try:
        model.load_weights(str(path))
    except (ValueError, OSError) as e:
        raise ConfigError(f"{path}: not InceptionV3 no-top weights ({e})") from e
    return Extractor(name="inception", dim=2048, model=model)


def _inception_features(model: Any, images: np.ndarray, batch: int = 32) -> np.ndarray:
    import tensorflow as tf

    out = []
    for start in range(0, len(images), batch):
        x = tf.image.resize(images[start:start + batch], (299, 299), method="bilinear")
        x = tf.image.grayscale_to_rgb(x) * 2.0 - 1.0  # InceptionV3 expects [-1, 1] RGB
        out.append(model(x, training=False).numpy())
    return np.concatenate(out).astype(np.float64)


def check_extractor_name(name: str) -> str:
    if name not in EXTRACTORS:
        raise ConfigError(f"extractor {name!r} is not one of {', '.join(EXTRACTORS)}")
    return name
