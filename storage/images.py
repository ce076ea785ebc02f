"""Image arrays <-> Arrow columns of ``fixed_size_binary(784)`` without per-image copies."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from genflow.storage.schemas import IMAGE_BYTES, IMAGE_SIDE


def images_to_arrow(images: np.ndarray) -> pa.FixedSizeBinaryArray:
    """Wrap images as one Arrow array.

    Args:
        images: uint8 array (N, 28, 28) or (N, 28, 28, 1), values 0-255.

    Returns:
        A ``fixed_size_binary(784)`` array of length N sharing the images' bytes.
    """
    if images.dtype != np.uint8 or images.size != len(images) * IMAGE_BYTES:
        raise ValueError(f"images must be uint8 (N, 28, 28[, 1]); got {images.dtype} {images.shape}")
    flat = np.ascontiguousarray(images).reshape(-1)
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(IMAGE_BYTES), len(images), [None, pa.py_buffer(flat)]
    )


def arrow_to_images(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Inverse of images_to_arrow: uint8 array (N, 28, 28, 1), values 0-255 (read-only view
    when the column has one chunk)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        raise ValueError("image column holds nulls")
    n = len(column)
    data = np.frombuffer(column.buffers()[1], dtype=np.uint8,
                         count=n * IMAGE_BYTES, offset=column.offset * IMAGE_BYTES)
    return data.reshape(n, IMAGE_SIDE, IMAGE_SIDE, 1)
