"""Parse and validate the official IDX files (gzipped or not).

IDX layout: 2 zero bytes, a type byte (0x08 = unsigned byte), a byte giving the number of
dimensions, one big-endian uint32 per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from genflow.core.errors import DataError
from genflow.storage.schemas import IMAGE_SIDE, NUM_CLASSES

IDX_NAMES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
_UBYTE = 0x08


def read_raw_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped if it starts with the gzip magic; DataError if corrupt."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror})") from e
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as e:
            raise DataError(f"{path}: truncated or corrupt gzip ({e})") from e
    return data


def parse_idx(data: bytes, path: Path, ndim: int) -> np.ndarray:
    """Decode IDX bytes into a uint8 array with ``ndim`` dimensions (zero-copy view).

    Raises:
        DataError: wrong magic or type, wrong number of dimensions, or a size that does not
            match the header.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number {data[:4].hex() or 'empty'})")
    if data[2] != _UBYTE:
        raise DataError(f"{path}: IDX data type 0x{data[2]:02x}, expected 0x08 (unsigned byte)")
    if data[3] != ndim:
        raise DataError(f"{path}: IDX file has {data[3]} dimensions, expected {ndim}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path}: IDX header truncated ({len(data)} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64))
    if len(data) - header != expected:
        raise DataError(
            f"{path}: header says {dims} = {expected} bytes of data, file holds {len(data) - header}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def find_idx_file(folder: Path, split: str, kind: str) -> Path:
    """The IDX file for (split, kind) in ``folder``, gzipped or not; DataError if absent."""
    name = IDX_NAMES[(split, kind)]
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    raise DataError(f"{folder}: missing {name}.gz (or {name})")


def read_idx_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and cross-check one split.

    Returns:
        images uint8 (N, 28, 28, 1), 0-255; labels uint8 (N,), 0-9.

    Raises:
        DataError: any malformed file, images not 28x28, counts that differ between the two
            files, or a label outside 0-9.
    """
    images = parse_idx(read_raw_bytes(images_path), images_path, 3)
    labels = parse_idx(read_raw_bytes(labels_path), labels_path, 1)
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(f"{images_path}: images are {images.shape[1:]}, expected (28, 28)")
    if len(images) != len(labels):
        raise DataError(
            f"{labels_path}: {len(labels)} labels but {images_path.name} holds {len(images)} images"
        )
    if len(labels) == 0:
        raise DataError(f"{labels_path}: no labels")
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise DataError(
            f"{labels_path}: label {int(labels[bad[0]])} at index {int(bad[0])} is outside 0-9"
            f" ({bad.size} such labels)"
        )
    return images[..., None], labels


def read_idx_folder(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, 28, 28, 1) 0-255, labels uint8 (n,) 0-9) of ``split`` ("train" or
    "test") from a folder of the official IDX files (gzipped or not)."""
    return read_idx_split(find_idx_file(folder, split, "images"),
                          find_idx_file(folder, split, "labels"))
