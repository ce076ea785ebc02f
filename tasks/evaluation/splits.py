"""Which real images play which part in an evaluation: the one place that decides it
(docs/evaluation.md explains why).

Per dataset, with the evaluation seed:

- generator: the whole training split (the lecture's recipe), after the model's class filter:
  trains the model; searched for memorisation.
- reference: a seeded third of the training split (``reference_mask``): FID statistics, the
  real pool of KID, PRDC and the C2ST, the cells of C_T.
- extractor: the other two thirds: train the domain classifier, which so never sees a
  reference, floor or baseline image.
- baseline: a seeded half of the test split, after the class filter (``heldout_halves``):
  calibrates the memorisation thresholds (copy distance, C_T).
- floor: the other half of the test split: judged exactly like the samples, at the same N.

Reference membership is drawn over the whole training split before any class filter, so a
training image keeps its part whatever classes a model learns; the held-out halves are drawn
over the class-filtered test images (each model's floor is a seeded half of its own classes).
Every draw is a seeded permutation, never a prefix: the
splits of the MNIST sample are stored sorted by label.
"""

from __future__ import annotations

import numpy as np

REFERENCE_FRACTION = 1.0 / 3.0
_SALT = 0x9E37  # a different stream from the seed's other uses


def reference_mask(n: int, seed: int) -> np.ndarray:
    """bool (n,): the training-split rows that form the reference (a seeded third)."""
    order = np.random.default_rng([seed, _SALT, 1]).permutation(n)
    mask = np.zeros(n, bool)
    mask[order[:int(round(n * REFERENCE_FRACTION))]] = True
    return mask


def heldout_halves(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(baseline rows, floor rows) of a held-out set of n images: a seeded permutation cut in
    two; each half is itself in random order, so any prefix of it is a random draw."""
    order = np.random.default_rng([seed, _SALT, 2]).permutation(n)
    half = n // 2
    return order[:half], order[half:]


def draw(n: int, size: int, seed: int) -> np.ndarray:
    """int64 rows: ``size`` of n drawn without replacement with ``seed`` (all n, shuffled, when
    size >= n)."""
    return np.random.default_rng([seed, _SALT, 3]).permutation(n)[:size]
