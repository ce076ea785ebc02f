"""Nearest neighbours identical to brute force on real Fashion-MNIST images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import InputError
from genflow.tasks.data.idx import find_idx_file, read_idx_split
from genflow.tasks.data.normalise import scale
from genflow.tasks.evaluation.neighbours import brute_force, nearest_neighbours


@pytest.fixture(scope="module")
def fashion(fashion_idx_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    train, _ = read_idx_split(find_idx_file(fashion_idx_dir, "train", "images"),
                              find_idx_file(fashion_idx_dir, "train", "labels"))
    test, _ = read_idx_split(find_idx_file(fashion_idx_dir, "test", "images"),
                             find_idx_file(fashion_idx_dir, "test", "labels"))
    return scale(train[:6000], "unit"), scale(test[:60], "unit")


@pytest.mark.parametrize("metric", ["mae", "l2"])
@pytest.mark.parametrize("k", [1, 5])
def test_identical_to_brute_force(fashion, metric: str, k: int) -> None:
    reference, queries = fashion
    idx, dist = nearest_neighbours(queries, reference, k=k, metric=metric)
    ref_idx, ref_dist = brute_force(queries, reference, k=k, metric=metric)
    assert idx.dtype == np.int64 and dist.dtype == np.float64 and idx.shape == (60, k)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(dist, ref_dist)


def test_training_image_finds_itself_at_zero(fashion) -> None:
    reference, queries = fashion
    idx, dist = nearest_neighbours(reference[[10, 2000]], reference, k=2, metric="mae")
    assert idx[:, 0].tolist() == [10, 2000]
    assert dist[:, 0].tolist() == [0.0, 0.0] and (dist[:, 1] > 0).all()
    _, test_dist = nearest_neighbours(queries[:20], reference, k=2, metric="mae")
    assert (test_dist[:, 0] > 0.01).all()  # held-out images are not copies


def test_an_index_built_once_answers_batches_like_one_call(fashion) -> None:
    from genflow.tasks.evaluation.neighbours import NeighbourIndex, index_for

    reference, queries = fashion
    index = NeighbourIndex(reference, "mae")
    batches = [index.search(queries[i:i + 7], 2) for i in range(0, len(queries), 7)]
    whole = nearest_neighbours(queries, reference, k=2, metric="mae")
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), whole[0])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), whole[1])
    assert index_for("fashion-test", reference) is index_for("fashion-test", reference)


def test_ties_go_to_the_lowest_index() -> None:
    ref = np.zeros((5, 4, 4, 1), np.float32)
    ref[2] = ref[4] = 0.5
    idx, dist = nearest_neighbours(np.full((1, 4, 4, 1), 0.5, np.float32), ref, k=2, metric="l2")
    assert idx.tolist() == [[2, 4]] and dist.tolist() == [[0.0, 0.0]]


def test_bad_inputs() -> None:
    ok = np.zeros((3, 28, 28, 1), np.float32)
    with pytest.raises(InputError, match="NaN"):
        nearest_neighbours(ok + np.nan, ok)
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        nearest_neighbours(ok - 1, ok)
    with pytest.raises(InputError, match="features"):
        nearest_neighbours(np.zeros((3, 10), np.float32), ok)
    with pytest.raises(InputError, match="k=4"):
        nearest_neighbours(ok, ok, k=4)
    with pytest.raises(InputError, match="metric"):
        nearest_neighbours(ok, ok, metric="cosine")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="non-empty"):
        nearest_neighbours(np.zeros((0, 784), np.float32), ok)
