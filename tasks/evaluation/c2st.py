"""Classifier two-sample test: the automated form of the lecture's human real-or-fake game
(E2). A logistic regression learns to tell held-out real features from generated ones; its
accuracy on a held-out half is reported: 0.5 = indistinguishable, 1.0 = trivially told apart."""

from __future__ import annotations

import numpy as np
import scipy.optimize

from genflow.core.errors import InputError


def classifier_two_sample_test(real: np.ndarray, fake: np.ndarray, seed: int = 0,
                               l2: float = 1e-2) -> float:
    """Held-out accuracy of an L2-regularised logistic regression, real vs generated.

    Args:
        real, fake: float (n, d) features (the same n is used from each side: the smaller).
        seed: split and subsampling seed.
        l2: ridge penalty on the weights (features are standardised first).

    Returns:
        Accuracy on the held-out half, a plain float in [0, 1].
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise InputError(f"C2ST: feature shapes {real.shape} and {fake.shape} do not match")
    n = min(len(real), len(fake))
    if n < 20:
        raise InputError(f"C2ST needs at least 20 rows per side (got {n})")
    rng = np.random.default_rng(seed)
    x = np.concatenate([real[rng.permutation(len(real))[:n]], fake[rng.permutation(len(fake))[:n]]])
    y = np.concatenate([np.ones(n), np.zeros(n)])
    order = rng.permutation(2 * n)
    x, y = x[order], y[order]
    half = n  # train on one half, score the other
    mu, sd = x[:half].mean(0), x[:half].std(0) + 1e-8
    x = np.hstack([(x - mu) / sd, np.ones((2 * n, 1))])
    xt, yt, xv, yv = x[:half], y[:half], x[half:], y[half:]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xt @ w
        nll = np.logaddexp(0, z) - yt * z
        grad = xt.T @ (1 / (1 + np.exp(-z)) - yt) / len(yt) + l2 * np.r_[w[:-1], 0]
        return float(nll.mean() + 0.5 * l2 * (w[:-1] @ w[:-1])), grad

    w = scipy.optimize.minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B",
                                options={"maxiter": 500}).x
    return float(((xv @ w > 0) == (yv == 1)).mean())
