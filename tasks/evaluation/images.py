"""Image sets from anywhere, for ``genflow evaluate --images``: validated into one array.

Accepted:
- ``.npy``: shape (N, 28, 28) or (N, 28, 28, 1), uint8 (0-255) or float in [0, 1];
- a folder of 28x28 grayscale PNGs (sorted by name);
- a Parquet file with an ``image`` column of 784 uint8 bytes per row (genflow's samples files
  and the ``samples`` report table).
Anything else, or a bad image, is an InputError naming the file and the problem.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from genflow.core.errors import InputError
from genflow.storage.schemas import IMAGE_BYTES, IMAGE_SIDE


def load_images(path: str | Path) -> np.ndarray:
    """The images at ``path`` as float32 (N, 28, 28, 1) in [0, 1], N >= 1."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        x = _pngs(p)
    elif p.suffix == ".npy":
        x = _npy(p)
    elif p.suffix in (".parquet", ".pq"):
        x = _parquet(p)
    else:
        raise InputError(f"{p}: not a .npy file, a .parquet file or a folder of PNGs")
    return checked(str(p), x)


def checked(p: str, x: np.ndarray) -> np.ndarray:
    """(N, 28, 28[, 1]) uint8 or float [0, 1] images -> float32 (N, 28, 28, 1) in [0, 1];
    InputError naming ``p`` otherwise."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE, 1):
        raise InputError(f"{p}: images must be (N, 28, 28) or (N, 28, 28, 1), got {x.shape}")
    if len(x) == 0:
        raise InputError(f"{p}: no images")
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    if not np.issubdtype(x.dtype, np.floating):
        raise InputError(f"{p}: images must be uint8 or float in [0, 1], got {x.dtype}")
    if not np.isfinite(x).all():
        bad = int(np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(1))[0])
        raise InputError(f"{p}: image {bad} contains NaN or Inf")
    if x.min() < 0 or x.max() > 1:
        raise InputError(f"{p}: float images must lie in [0, 1], got "
                         f"[{float(x.min()):.3g}, {float(x.max()):.3g}]")
    return x.astype(np.float32)


def _npy(p: Path) -> np.ndarray:
    try:
        return np.load(p, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"{p}: unreadable .npy file ({str(e).splitlines()[0][:120]})") from e


def _pngs(folder: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    files = sorted(f for f in folder.iterdir() if f.suffix.lower() == ".png")
    if not files:
        raise InputError(f"{folder}: no .png files")
    out = np.empty((len(files), IMAGE_SIDE, IMAGE_SIDE), np.uint8)
    for i, f in enumerate(files):
        try:
            with Image.open(f) as im:
                if im.size != (IMAGE_SIDE, IMAGE_SIDE):
                    raise InputError(f"{f}: image is {im.size[0]}x{im.size[1]}, not 28x28")
                if im.mode == "I;16":  # 16-bit greyscale: keep the top 8 bits
                    out[i] = (np.asarray(im, np.uint16) >> 8).astype(np.uint8)
                elif im.mode in ("L", "1", "LA"):
                    out[i] = np.asarray(im.convert("L"), np.uint8)
                else:
                    raise InputError(f"{f}: not an 8- or 16-bit grayscale PNG (mode {im.mode})")
        except (UnidentifiedImageError, OSError, SyntaxError) as e:
            raise InputError(f"{f}: unreadable PNG ({str(e).splitlines()[0][:120]})") from e
    return out


def _parquet(p: Path) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(p, columns=["image"])
    except (pa.ArrowInvalid, OSError, KeyError) as e:
        raise InputError(f"{p}: no readable 'image' column ({str(e).splitlines()[0][:120]})") from e
    column = table.column("image").combine_chunks()
    if not (pa.types.is_fixed_size_binary(column.type) and column.type.byte_width == IMAGE_BYTES):
        raise InputError(f"{p}: column 'image' must be fixed_size_binary(784), got {column.type}")
    if column.null_count:
        raise InputError(f"{p}: column 'image' has {column.null_count} null rows")
    data = np.frombuffer(column.buffers()[1], np.uint8, count=len(column) * IMAGE_BYTES,
                         offset=column.offset * IMAGE_BYTES)
    return data.reshape(len(column), IMAGE_SIDE, IMAGE_SIDE).copy()
