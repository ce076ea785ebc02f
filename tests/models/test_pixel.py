"""P1 pixel model: vectorised fit/sample against the lecture's loops, on real digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import DataError
from genflow.tasks.data.csv_sample import read_label_last_csv
from genflow.tasks.data.normalise import filter_classes
from genflow.tasks.models.pixel import fit_pixel_model, sample_pixel_model


def _lecture_fit(images: np.ndarray) -> np.ndarray:
    """The notes' version: loops over images, rows and columns."""
    counts = np.zeros((28, 28, 256))
    for img in images[:, :, :, 0]:
        for r in range(28):
            for c in range(28):
                counts[r, c, img[r, c]] += 1
    return counts / len(images)


@pytest.fixture(scope="module")
def zeros(mnist_csv: Path) -> np.ndarray:
    images, labels = read_label_last_csv(mnist_csv)
    return filter_classes(images, labels, [0])[0]


def test_fit_matches_the_lecture_loops(zeros: np.ndarray) -> None:
    probs = fit_pixel_model(zeros[:60])
    np.testing.assert_allclose(probs, _lecture_fit(zeros[:60]), atol=0, rtol=0)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0)


def test_samples_follow_the_histograms(zeros: np.ndarray) -> None:
    probs = fit_pixel_model(zeros)
    samples = sample_pixel_model(probs, 4000, seed=3)
    assert samples.shape == (4000, 28, 28, 1) and samples.dtype == np.uint8
    # A pixel never lit in training is never lit in a sample.
    never = probs[:, :, 0] == 1.0
    assert (samples[:, :, :, 0][:, never] == 0).all()
    # Per-pixel mean intensity agrees with the histogram's mean (4000 draws).
    expected = (probs * np.arange(256)).sum(axis=2)
    assert np.abs(samples[:, :, :, 0].mean(axis=0) - expected).max() < 12.0
    np.testing.assert_array_equal(sample_pixel_model(probs, 5, seed=1),
                                  sample_pixel_model(probs, 5, seed=1))


def test_constant_images_give_that_image() -> None:
    img = np.zeros((3, 28, 28, 1), np.uint8)
    img[:, 10:20, 10:20] = 200
    out = sample_pixel_model(fit_pixel_model(img), 4, seed=0)
    assert (out == img[0]).all()


def test_empty_input_is_refused() -> None:
    with pytest.raises(DataError):
        fit_pixel_model(np.zeros((0, 28, 28, 1), np.uint8))
