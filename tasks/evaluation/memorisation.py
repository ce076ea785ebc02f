"""Does the model create or copy? (lecture program 10-5b, E1, made quantitative.)

From each sample's two nearest training images: the NN1/NN2 distance ratio (< 1/3 flags a
likely copy: the sample is far closer to one training image than to any other), exact
duplicates (distance 0), and the sample->train distances next to test->train distances at the
same N. A model that copies sits left of the test curve.
"""

from __future__ import annotations

import numpy as np

from genflow.core.errors import InputError

COPY_RATIO = 1.0 / 3.0


def memorisation_stats(sample_d: np.ndarray, test_d: np.ndarray) -> dict[str, float]:
    """Memorisation statistics of one sample set.

    Args:
        sample_d: float64 (n, 2): each sample's distances to its two nearest training images.
        test_d: float64 (m, 1 or 2): the same for held-out real test images (the baseline).

    Returns:
        Plain floats: copy_rate (share with NN1/NN2 < 1/3), duplicate_rate (share at distance
        0), nn1_median and test_nn1_median, and closer_than_test_p05 (share of samples closer
        to the training set than 95 % of real test images are).
    """
    s = np.asarray(sample_d, np.float64)
    t = np.asarray(test_d, np.float64)
    if s.ndim != 2 or s.shape[1] < 2 or len(s) == 0:
        raise InputError(f"sample distances must be (n >= 1, 2), got {s.shape}")
    if t.ndim != 2 or len(t) == 0:
        raise InputError(f"test distances must be (m >= 1, k), got {t.shape}")
    ratio = np.divide(s[:, 0], s[:, 1], out=np.zeros(len(s)), where=s[:, 1] > 0)
    p05 = np.quantile(t[:, 0], 0.05)
    return {
        "copy_rate": float((ratio < COPY_RATIO).mean()),
        "duplicate_rate": float((s[:, 0] == 0).mean()),
        "nn1_median": float(np.median(s[:, 0])),
        "test_nn1_median": float(np.median(t[:, 0])),
        "closer_than_test_p05": float((s[:, 0] < p05).mean()),
    }


def copy_flags(sample_d: np.ndarray) -> np.ndarray:
    """bool (n,): NN1/NN2 < 1/3 or an exact duplicate."""
    s = np.asarray(sample_d, np.float64)
    ratio = np.divide(s[:, 0], s[:, 1], out=np.zeros(len(s)), where=s[:, 1] > 0)
    return (ratio < COPY_RATIO) | (s[:, 0] == 0)
