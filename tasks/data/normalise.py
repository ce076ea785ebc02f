"""Canonical shape, the two value ranges the models use, and class filters.

Stored images are uint8 (N, 28, 28, 1) in 0-255. The autoencoders and the pixel model want
float32 in [0, 1] ("unit"); the GANs want float32 in [-1, 1] ("symmetric", tanh outputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from genflow.core.errors import DataError
from genflow.storage.schemas import IMAGE_SIDE, NUM_CLASSES

ValueRange = Literal["unit", "symmetric"]


def canonical(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) or (N, 28, 28, 1) -> uint8 (N, 28, 28, 1)."""
    if images.dtype != np.uint8:
        raise DataError(f"images must be uint8, got {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE, 1):
        raise DataError(f"images must be (N, 28, 28, 1), got {images.shape}")
    return images


def scale(images: np.ndarray, value_range: ValueRange) -> np.ndarray:
    """uint8 (N, 28, 28, 1) 0-255 -> float32 (N, 28, 28, 1) in [0, 1] or [-1, 1].

    0 maps to 0.0 / -1.0 and 255 to exactly 1.0 in both ranges.
    """
    images = canonical(images)
    if value_range == "unit":
        return images.astype(np.float32) / np.float32(255.0)
    if value_range == "symmetric":
        return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    raise DataError(f"value_range {value_range!r} must be 'unit' or 'symmetric'")


def filter_classes(images: np.ndarray, labels: np.ndarray,
                   classes: Sequence[int] | None) -> tuple[np.ndarray, np.ndarray]:
    """Keep only rows whose label is in ``classes`` (None keeps everything).

    Raises:
        DataError: an empty class list, a class outside 0-9, or a filter that keeps no image.
    """
    if classes is None:
        return images, labels
    wanted = sorted(set(int(c) for c in classes))
    if not wanted:
        raise DataError("class filter is empty: name at least one class 0-9")
    if wanted[0] < 0 or wanted[-1] >= NUM_CLASSES:
        raise DataError(f"class filter {wanted} names a class outside 0-9")
    keep = np.isin(labels, wanted)
    if not keep.any():
        raise DataError(f"class filter {wanted} matches none of the {len(labels)} images")
    return images[keep], labels[keep]


def class_counts(labels: np.ndarray) -> list[int]:
    """Number of images per class 0-9 as plain ints (length 10)."""
    return [int(n) for n in np.bincount(labels, minlength=NUM_CLASSES)[:NUM_CLASSES]]
