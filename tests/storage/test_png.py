"""storage.png: grids encode as 8-bit grayscale PNGs that decode back to the same pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from genflow.storage.png import encode_png, grid, to_uint8


def _decode(png: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(png))
    im.load()
    return im


def test_png_round_trips_every_pixel() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 28, 28, 1), dtype=np.uint8)
    picture = grid(images, columns=5)
    png = encode_png(picture)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    im = _decode(png)
    assert im.format == "PNG" and im.mode == "L" and im.size == (picture.shape[1], picture.shape[0])
    np.testing.assert_array_equal(np.asarray(im), picture)


def test_png_of_a_strided_view_and_of_one_pixel() -> None:
    picture = np.arange(60 * 40, dtype=np.uint32).astype(np.uint8).reshape(60, 40)
    view = picture[::2, ::3]  # not contiguous
    np.testing.assert_array_equal(np.asarray(_decode(encode_png(view))), view)
    np.testing.assert_array_equal(np.asarray(_decode(encode_png(np.full((1, 1), 7, np.uint8)))), [[7]])


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 1), np.uint8),
                                 np.zeros((4, 4), np.uint16)])
def test_png_refuses_anything_but_uint8_height_width(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"need uint8 \(H, W\)"):
        encode_png(bad)


def test_grid_layout_and_to_uint8() -> None:
    images = np.zeros((3, 28, 28), np.uint8)
    out = grid(images, columns=2, pad=2, scale=1)
    assert out.shape == (2 * 30 + 2, 2 * 30 + 2) and out[0, 0] == 255 and out[2, 2] == 0
    assert (out[32:60, 32:60] == 255).all()  # the empty fourth tile stays white
    assert grid(images, columns=2, pad=2, scale=2).shape == (124, 124)
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 1.0, 2.0]), "symmetric"),
                                  [0, 128, 255, 255])
    np.testing.assert_array_equal(to_uint8(np.array([0.0, 0.5, 1.0]), "unit"), [0, 128, 255])
