"""Grayscale PNG encoding (Pillow) and the image grids it usually encodes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def encode_png(gray: np.ndarray) -> bytes:
    """Encode a grayscale picture as PNG.

    Args:
        gray: uint8 (height, width), 0 black to 255 white.

    Returns:
        The bytes of an 8-bit grayscale PNG.

    Raises:
        ValueError: ``gray`` is not a uint8 (H, W) array.
    """
    if gray.dtype != np.uint8 or gray.ndim != 2:
        raise ValueError(f"need uint8 (H, W), got {gray.dtype} {gray.shape}")
    buf = io.BytesIO()
    # A uint8 (H, W) array is Pillow's mode "L" (8-bit grayscale).
    Image.fromarray(np.ascontiguousarray(gray)).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def grid(images: np.ndarray, columns: int = 10, pad: int = 2, scale: int = 2) -> np.ndarray:
    """Tile images into one picture.

    Args:
        images: uint8 (n, 28, 28[, 1]).
        columns: images per row.
        pad: white pixels between tiles.
        scale: nearest-neighbour enlargement factor.

    Returns:
        uint8 (H, W) grid.
    """
    imgs = images.reshape(len(images), images.shape[1], images.shape[2])
    n, h, w = imgs.shape
    rows = -(-n // columns)
    out = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad), 255, np.uint8)
    for i, img in enumerate(imgs):
        r, c = divmod(i, columns)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = img
    return np.kron(out, np.ones((scale, scale), np.uint8)) if scale > 1 else out


def to_uint8(images: np.ndarray, value_range: str) -> np.ndarray:
    """float images in [0, 1] ("unit") or [-1, 1] ("symmetric") -> uint8 0-255, clipped."""
    x = np.asarray(images, np.float32)
    if value_range == "symmetric":
        x = (x + 1.0) / 2.0
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)
