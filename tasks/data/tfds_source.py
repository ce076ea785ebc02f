"""The TFDS source: prepared datasets under the root's raw/tfds data_dir.

tensorflow_datasets (and TensorFlow through it) is imported only inside the functions that need
it, so checking for a prepared dataset, and the IDX/CSV paths, never pay for the import.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from genflow.core.errors import DataError

log = logging.getLogger(__name__)


def _version_key(path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in path.name.split("."))
    except ValueError:
        return (-1,)


def prepared_dir(tfds_name: str, data_dir: Path) -> Path | None:
    """``<data_dir>/<tfds_name>/<newest version>`` if it holds a finished preparation."""
    base = data_dir / tfds_name
    if not base.is_dir():
        return None
    done = [v for v in base.iterdir() if (v / "dataset_info.json").is_file()]
    return max(done, key=_version_key) if done else None


def download_and_prepare(tfds_name: str, data_dir: Path) -> None:
    """Download (network required) and prepare ``tfds_name`` under ``data_dir``."""
    import tensorflow_datasets as tfds

    log.info("preparing %s with TFDS under %s", tfds_name, data_dir)
    tfds.builder(tfds_name, data_dir=str(data_dir)).download_and_prepare()


def read_tfds_split(tfds_name: str, data_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read a prepared split.

    Returns:
        images uint8 (N, 28, 28, 1), 0-255; labels uint8 (N,), 0-9.
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder(tfds_name, data_dir=str(data_dir))
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, as_supervised=True))
    images, labels = data
    images = np.asarray(images, dtype=np.uint8)
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise DataError(f"{data_dir}/{tfds_name}: images are {images.shape}, expected (N, 28, 28, 1)")
    return images, np.asarray(labels, dtype=np.uint8)
