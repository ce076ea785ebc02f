"""Lecture figure 10-8 as a PNG: samples above their nearest training images. Generation
(reconstructions) and evaluation (nearest neighbours) draw it; training does not, so editing it
never changes a training key."""

from __future__ import annotations

import numpy as np

from genflow.storage.png import encode_png, grid


def side_by_side(samples: np.ndarray, neighbours: np.ndarray, columns: int = 10) -> bytes:
    """Lecture figure 10-8: rows of samples, each above a row of their nearest training images.

    Args:
        samples, neighbours: uint8 (n, 28, 28, 1), n a multiple of ``columns`` preferred.
    """
    rows = []
    for start in range(0, len(samples), columns):
        rows += [samples[start:start + columns], neighbours[start:start + columns]]
    padded = [np.concatenate([r, np.full((columns - len(r), 28, 28, 1), 255, np.uint8)])
              if len(r) < columns else r for r in rows]
    return encode_png(grid(np.concatenate(padded), columns=columns))
