"""Lloyd's k-means with seeded k-means++-style starts: the cells of the data-copying test C_T
(tasks/evaluation/memorisation.py) and the components of the autoencoder's latent mixture
(tasks/generation/sampling.py). Generation and evaluation both use it, so it lives in neither."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Cells:
    """k-means cells of a reference feature set: centroids float64 (k, d)."""

    centroids: np.ndarray

    def assign(self, features: np.ndarray) -> np.ndarray:
        """int64 (n,): each row's nearest centroid."""
        f = np.asarray(features, np.float64)
        c = self.centroids
        d = (f * f).sum(1)[:, None] + (c * c).sum(1)[None, :] - 2 * f @ c.T
        return d.argmin(1)


def kmeans_cells(features: np.ndarray, k: int, seed: int, iterations: int = 25) -> Cells:
    """Lloyd's k-means with k-means++-style seeded starts; float (n, d) -> Cells."""
    f = np.asarray(features, np.float64)
    k = max(1, min(k, len(f)))
    rng = np.random.default_rng(seed)
    centroids = [f[rng.integers(len(f))]]
    for _ in range(1, k):
        d = np.min([((f - c) ** 2).sum(1) for c in centroids], axis=0)
        centroids.append(f[rng.choice(len(f), p=d / d.sum())] if d.sum() > 0 else
                         f[rng.integers(len(f))])
    cells = Cells(np.array(centroids))
    for _ in range(iterations):
        label = cells.assign(f)
        new = np.array([f[label == j].mean(0) if (label == j).any() else cells.centroids[j]
                        for j in range(k)])
        if np.allclose(new, cells.centroids):
            break
        cells = Cells(new)
    return cells
