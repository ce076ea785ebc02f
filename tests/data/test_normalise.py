from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import DataError
from genflow.tasks.data.idx import find_idx_file, read_idx_split
from genflow.tasks.data.normalise import canonical, class_counts, filter_classes, scale


def test_ranges_on_real_images(fashion_idx_dir: Path) -> None:
    images, _ = read_idx_split(find_idx_file(fashion_idx_dir, "test", "images"),
                               find_idx_file(fashion_idx_dir, "test", "labels"))
    unit = scale(images, "unit")
    sym = scale(images, "symmetric")
    assert unit.dtype == sym.dtype == np.float32
    assert unit.shape == sym.shape == (10_000, 28, 28, 1)
    assert unit.min() == 0.0 and unit.max() == 1.0
    assert sym.min() == -1.0 and sym.max() == 1.0
    np.testing.assert_allclose(sym, unit * 2 - 1, atol=1e-6)
    # Round trip back to bytes is exact.
    np.testing.assert_array_equal(np.round(unit * 255).astype(np.uint8), images)


def test_scale_rejects_unknown_range() -> None:
    with pytest.raises(DataError, match="value_range"):
        scale(np.zeros((1, 28, 28, 1), np.uint8), "zero-one")  # type: ignore[arg-type]


def test_canonical_shapes() -> None:
    assert canonical(np.zeros((3, 28, 28), np.uint8)).shape == (3, 28, 28, 1)
    with pytest.raises(DataError, match=r"\(N, 28, 28, 1\)"):
        canonical(np.zeros((3, 28, 27), np.uint8))
    with pytest.raises(DataError, match="uint8"):
        canonical(np.zeros((3, 28, 28), np.float32))


def test_class_filters(fashion_idx_dir: Path) -> None:
    images, labels = read_idx_split(find_idx_file(fashion_idx_dir, "train", "images"),
                                    find_idx_file(fashion_idx_dir, "train", "labels"))
    boots, boot_labels = filter_classes(images, labels, [9])
    assert len(boots) == 6000 and set(boot_labels.tolist()) == {9}
    both, _ = filter_classes(images, labels, [0, 9])
    assert len(both) == 12_000
    same, _ = filter_classes(images, labels, None)
    assert len(same) == 60_000
    assert class_counts(boot_labels) == [0] * 9 + [6000]


def test_empty_and_impossible_filters() -> None:
    images = np.zeros((4, 28, 28, 1), np.uint8)
    labels = np.array([1, 1, 2, 2], np.uint8)
    with pytest.raises(DataError, match="class filter is empty"):
        filter_classes(images, labels, [])
    with pytest.raises(DataError, match="outside 0-9"):
        filter_classes(images, labels, [10])
    with pytest.raises(DataError, match="matches none of the 4 images"):
        filter_classes(images, labels, [7])
