"""The lecture's pictures built for the report, checked as pictures: the progress animation
has every frame, titled, and E2's sheet is half real, half generated, shuffled and keyed."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from genflow.storage.png import encode_png, grid
from genflow.tasks.reporting.pictures import progress_gif, real_or_fake_sheet


def test_progress_gif_has_every_frame_with_its_title() -> None:
    frames = []
    for step in (10, 20, 30):
        img = np.full((4, 28, 28, 1), step * 5, np.uint8)
        frames.append((step, encode_png(grid(img, columns=2))))
    gif = Image.open(io.BytesIO(progress_gif(frames)))
    assert gif.format == "GIF" and gif.n_frames == 3 and gif.info.get("loop") == 0
    gif.seek(0)
    first = np.asarray(gif.convert("L"))
    assert (first[:18] < 128).any()  # the title band holds dark text
    assert first.shape[0] == np.asarray(Image.open(io.BytesIO(frames[0][1]))).shape[0] + 18


def test_real_or_fake_sheet_is_half_real_and_seeded(real_splits) -> None:
    real, _ = real_splits["mnist"]["test"]
    fake = np.zeros((50, 28, 28, 1), np.uint8)
    sheet = real_or_fake_sheet(real, fake, seed=3)
    assert len(sheet.tiles) == 20 and sum(sheet.is_real) == 10
    assert sheet.is_real != [True] * 10 + [False] * 10  # shuffled
    again = real_or_fake_sheet(real, fake, seed=3)
    assert again.is_real == sheet.is_real and again.tiles == sheet.tiles
    for tile, is_real in zip(sheet.tiles, sheet.is_real, strict=True):
        pixels = np.asarray(Image.open(io.BytesIO(tile)))
        assert pixels.shape == (84, 84) and (pixels.max() > 0) == is_real  # fakes are black


def test_curves_are_interval_means_and_d_output_has_its_line() -> None:
    import pyarrow as pa

    from genflow.tasks.reporting.curves import d_output_png, interval_means, loss_curves_png

    steps = np.arange(1, 3001)
    noisy = 1 + np.random.default_rng(0).normal(0, 0.5, len(steps))
    xs, ys, width = interval_means(steps.astype(float), noisy)
    assert len(xs) == 60 and width == 50 and np.abs(ys - 1).max() < 0.3  # the noise averages out
    # rows of 10-iteration calls: 600 rows in 60 intervals are 100 iterations each
    calls = np.arange(10, 6001, 10)
    assert interval_means(calls.astype(float), noisy[:600])[2] == 100
    rows = {"step": [], "metric": [], "value": []}
    for metric, values in (("d_loss", noisy), ("g_loss", noisy), ("d_real_mean", noisy / 2),
                           ("d_fake_mean", noisy / 3)):
        rows["step"] += steps.tolist()
        rows["metric"] += [metric] * len(steps)
        rows["value"] += values.tolist()
    history = pa.table(rows)
    assert loss_curves_png(history, "t")[:4] == b"\x89PNG"
    assert d_output_png(history, "t")[:4] == b"\x89PNG"
    vae_history = pa.table({"step": [1], "metric": ["loss"], "value": [1.0]})
    assert d_output_png(vae_history, "t") is None
