"""Minimal grayscale PNG encoding (no imaging library needed) and image grids."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def encode_png(gray: np.ndarray) -> bytes:
    """Encode a uint8 (height, width) array as an 8-bit grayscale PNG."""
    if gray.dtype != np.uint8 or gray.ndim != 2:
        raise ValueError(f"need uint8 (H, W), got {gray.dtype} {gray.shape}")
    h, w = gray.shape
    raw = np.zeros((h, w + 1), np.uint8)  # filter byte 0 (None) per row
    raw[:, 1:] = gray

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + chunk(b"IEND", b""))


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
