"""The lecture's pictures as named outputs (arrays / PNG bytes; storage writes them).

- P3 noise sweep: decode z + (i - 10) / 10 for i = 0..19 around one test image's code.
- P3 interpolation: decode (1 - a) z_a + a z_b for 20 values of a from 0 to 1.
- P4 latent map: codes of the first 1,000 test images, coloured by label (2-D latent; wider
  latents are shown on their first two principal components, and the title says so).
- P5 manifold: decode a regular grid of 2-D z values (VAE with zdim 2).
- P2 reconstructions: 10 seeded test images above their reconstructions.
Pictures whose tiles differ by a parameter carry it under each tile (``titled_grid_png``).
Images float32 in [0, 1] in and out; the decoders are the models' sampling sub-models.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from genflow.core.errors import InputError


def _encode(encoder: Any, images: np.ndarray) -> np.ndarray:
    out = encoder.predict(images, verbose=0)
    return np.asarray(out[0] if isinstance(out, list | tuple) else out, np.float64)


def noise_sweep(encoder: Any, decoder: Any, image: np.ndarray, steps: int = 20) -> np.ndarray:
    """P3: (steps, 28, 28, 1) decodes of z + (i - 10) / 10 around ``image`` (1, 28, 28, 1)."""
    z = _encode(encoder, image)
    zs = np.concatenate([z + (i - 10) / 10 for i in range(steps)]).astype(np.float32)
    return np.asarray(decoder.predict(zs, verbose=0))


def interpolation(encoder: Any, decoder: Any, a: np.ndarray, b: np.ndarray,
                  steps: int = 20) -> np.ndarray:
    """P3: (steps, 28, 28, 1) decodes along the line between the codes of ``a`` and ``b``."""
    za, zb = _encode(encoder, a), _encode(encoder, b)
    alphas = np.linspace(0.0, 1.0, steps)[:, None]
    return np.asarray(decoder.predict(((1 - alphas) * za + alphas * zb).astype(np.float32),
                                      verbose=0))


def same_class_pair(labels: np.ndarray, preferred: tuple[int, int] = (4, 6)) -> tuple[int, int]:
    """The lecture's test images 4 and 6 (both a 4) if they share a class, else the first two
    test images of the first image's class."""
    i, j = preferred
    if max(i, j) < len(labels) and labels[i] == labels[j]:
        return i, j
    same = np.flatnonzero(labels == labels[0])
    if len(same) < 2:
        raise InputError("interpolation needs two test images of one class")
    return int(same[0]), int(same[1])


def latent_scatter_png(encoder: Any, images: np.ndarray, labels: np.ndarray, title: str) -> bytes:
    """P4: scatter of codes coloured by label, as PNG bytes."""
    # matplotlib's object API: no pyplot global state, so figures are safe in threads.
    from matplotlib.figure import Figure

    z = _encode(encoder, images)
    note = ""
    if z.shape[1] != 2:
        centred = z - z.mean(0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        z, note = centred @ vt[:2].T, f" (first 2 principal components of a {z.shape[1]}-d latent)"
    fig = Figure(figsize=(6, 5), dpi=100)
    ax = fig.add_subplot()
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=6, vmin=-0.5, vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10), label="label")
    ax.set_title(title + note, fontsize=9)
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def manifold(decoder: Any, n: int = 15, span: float = 2.5) -> np.ndarray:
    """P5: (n * n, 28, 28, 1) decodes of a regular grid over [-span, span]^2 (zdim must be 2),
    rows top to bottom = decreasing z[1]."""
    if int(decoder.input.shape[-1]) != 2:
        raise InputError(f"the manifold grid needs a 2-D latent, this decoder takes "
                         f"{decoder.input.shape[-1]}")
    axis = np.linspace(-span, span, n)
    zs = np.array([[x, y] for y in axis[::-1] for x in axis], np.float32)
    return np.asarray(decoder.predict(zs, verbose=0))


def sweep_captions(steps: int = 20) -> list[str]:
    """The noise sweep's offsets, as the notes title them."""
    return [f"noise = {(i - 10) / 10:+.1f}" for i in range(steps)]


def interpolation_captions(steps: int = 20) -> list[str]:
    return [f"alpha = {a:.2f}" for a in np.linspace(0.0, 1.0, steps)]


def reconstruct(encoder: Any, decoder: Any, images: np.ndarray) -> np.ndarray:
    """P2: decoder(encoder(images)), float32 (n, 28, 28, 1) in [0, 1]."""
    return np.asarray(decoder.predict(_encode(encoder, images).astype(np.float32), verbose=0))


def titled_grid_png(images: np.ndarray, captions: list[str], columns: int = 10,
                    scale: int = 3) -> bytes:
    """uint8 (n, 28, 28[, 1]) images tiled ``columns`` per row, each enlarged ``scale``x with
    its caption underneath; PNG bytes."""
    from PIL import Image, ImageDraw

    imgs = images.reshape(len(images), 28, 28)
    side, band, pad = 28 * scale, 14, 4
    rows = -(-len(imgs) // columns)
    sheet = Image.new("L", (columns * (side + pad) + pad, rows * (side + band + pad) + pad), 255)
    draw = ImageDraw.Draw(sheet)
    for k, (img, caption) in enumerate(zip(imgs, captions, strict=True)):
        r, c = divmod(k, columns)
        x, y = pad + c * (side + pad), pad + r * (side + band + pad)
        sheet.paste(Image.fromarray(img).resize((side, side), Image.NEAREST), (x, y))
        draw.text((x + 1, y + side + 1), caption, fill=0)
    buf = io.BytesIO()
    sheet.save(buf, format="PNG")
    return buf.getvalue()
