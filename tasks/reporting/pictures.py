"""Pictures the lecture notes show, built for the report from stored files:

- ``progress_gif``: every progress grid of a training run strung into an animated GIF, each
  frame titled with its iteration (P7's per-epoch grids as one animation).
- ``real_or_fake_sheet``: E2, the human real-or-fake test: half real held-out images, half
  generated, shuffled with a seed and numbered, with the answer key kept apart.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from genflow.storage.png import encode_png, grid

FRAME_MS = 400
TITLE_PX = 18


def progress_gif(frames: list[tuple[int, bytes]]) -> bytes:
    """An animated GIF (looping) of PNG ``frames`` [(iteration, png bytes)] in order, each with
    a white title band reading "iteration N"; the last frame is held three times as long."""
    from PIL import Image, ImageDraw

    images = []
    for step, png in frames:
        with Image.open(io.BytesIO(png)) as im:
            grey = im.convert("L")
        canvas = Image.new("L", (grey.width, grey.height + TITLE_PX), 255)
        canvas.paste(grey, (0, TITLE_PX))
        ImageDraw.Draw(canvas).text((4, 3), f"iteration {step}", fill=0)
        images.append(canvas)
    if not images:
        raise ValueError("no frames")
    durations = [FRAME_MS] * (len(images) - 1) + [3 * FRAME_MS]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=durations, optimize=False)
    return buf.getvalue()


@dataclass
class Sheet:
    """E2: ``tiles[i]`` is picture number i + 1 (PNG bytes); ``is_real[i]`` its answer."""

    tiles: list[bytes]
    is_real: list[bool]


def real_or_fake_sheet(real: np.ndarray, fake: np.ndarray, seed: int, per_side: int = 10
                       ) -> Sheet:
    """``per_side`` seeded draws from each of real and generated uint8 (n, 28, 28, 1) images,
    shuffled with ``seed``; each tile enlarged 3x."""
    rng = np.random.default_rng(seed)
    k = min(per_side, len(real), len(fake))
    chosen = [(img, True) for img in real[rng.choice(len(real), k, replace=False)]]
    chosen += [(img, False) for img in fake[rng.choice(len(fake), k, replace=False)]]
    order = rng.permutation(len(chosen))
    tiles = [encode_png(grid(chosen[i][0][None], columns=1, pad=0, scale=3)) for i in order]
    return Sheet(tiles=tiles, is_real=[chosen[i][1] for i in order])
