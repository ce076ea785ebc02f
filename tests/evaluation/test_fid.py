"""FID against an independent implementation (scipy sqrtm route, pytorch-fid's formula), the
closed form of commuting covariances, and its defining properties."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from genflow.core.errors import InputError
from genflow.tasks.evaluation.fid import feature_statistics, frechet_distance


def _sqrtm_fid(mu1, s1, mu2, s2) -> float:
    """The textbook route (pytorch-fid's formula) with scipy.linalg.sqrtm."""
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def _stats(rng, n: int, d: int, shift: float = 0.0):
    mix = rng.standard_normal((d, d)) / np.sqrt(d)
    return feature_statistics(rng.standard_normal((n, d)) @ mix + shift)


@pytest.mark.parametrize("n,d", [(500, 16), (2000, 64), (40, 64)])  # last: rank deficient
def test_matches_sqrtm_route(n: int, d: int) -> None:
    rng = np.random.default_rng(n + d)
    a, b = _stats(rng, n, d), _stats(rng, n, d, shift=0.3)
    ours = frechet_distance(*a, *b)
    ref = _sqrtm_fid(*a, *b)
    assert ours == pytest.approx(ref, rel=1e-7, abs=1e-7)


def test_identity_symmetry_and_mean_shift() -> None:
    rng = np.random.default_rng(0)
    mu, sigma = _stats(rng, 1000, 32)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)
    other = _stats(rng, 1000, 32)
    assert frechet_distance(mu, sigma, *other) == pytest.approx(frechet_distance(*other, mu, sigma),
                                                                rel=1e-9)
    delta = rng.standard_normal(32)
    assert frechet_distance(mu, sigma, mu + delta, sigma) == pytest.approx(delta @ delta, rel=1e-9)


def test_unbiased_covariance_and_plain_float() -> None:
    x = np.random.default_rng(1).standard_normal((50, 3))
    mu, sigma = feature_statistics(x)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False, ddof=1))
    assert type(frechet_distance(mu, sigma, mu + 1, sigma)) is float


def test_bad_statistics_are_refused() -> None:
    mu, sigma = np.zeros(4), np.eye(4)
    with pytest.raises(InputError, match="dimension"):
        frechet_distance(mu, sigma, np.zeros(5), np.eye(5))
    with pytest.raises(InputError, match="NaN"):
        frechet_distance(mu, sigma, mu + np.nan, sigma)
    with pytest.raises(InputError, match="n >= 2"):
        feature_statistics(np.zeros((1, 4)))
    with pytest.raises(InputError, match="NaN or Inf"):
        feature_statistics(np.array([[0.0, np.inf], [1.0, 2.0]]))


def test_matches_the_closed_form_of_two_gaussians() -> None:
    """Covariances that share eigenvectors: FID = |mu1 - mu2|^2 + sum (sqrt(l1) - sqrt(l2))^2
    exactly (Dowson and Landau 1982), an answer that needs no matrix square root at all."""
    rng = np.random.default_rng(7)
    d = 24
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    l1, l2 = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
    s1, s2 = q @ np.diag(l1) @ q.T, q @ np.diag(l2) @ q.T
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    exact = float((mu1 - mu2) @ (mu1 - mu2) + np.sum((np.sqrt(l1) - np.sqrt(l2)) ** 2))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(exact, rel=1e-9)
    # and from samples, the statistics' estimate converges on it
    n = 20000
    a = rng.standard_normal((n, d)) * np.sqrt(l1) @ q.T + mu1
    b = rng.standard_normal((n, d)) * np.sqrt(l2) @ q.T + mu2
    assert frechet_distance(*feature_statistics(a), *feature_statistics(b)) == pytest.approx(
        exact, rel=0.02)


@pytest.mark.parametrize("scale", [1.0, 1.2])  # at the floor (the plain bootstrap's worst), off it
def test_standard_error_matches_the_spread_over_draws(scale: float) -> None:
    """Given the reference, the standard error is the spread of FID over independent draws of
    the set (the plain bootstrap's is √3 × too wide at the floor)."""
    from genflow.tasks.evaluation.fid import DistanceToReference, fid_standard_error

    rng = np.random.default_rng(11)
    d, n, draws = 32, 600, 80
    mix = rng.standard_normal((d, d)) / np.sqrt(d) + np.eye(d)
    mu, sigma = feature_statistics(rng.standard_normal((20000, d)) @ mix)
    values, ses, plain = [], [], []
    for t in range(draws):
        x = scale * (rng.standard_normal((n, d)) @ mix)
        values.append(frechet_distance(*feature_statistics(x), mu, sigma))
        ses.append(fid_standard_error(x, mu, sigma, 100, seed=t))
        r = np.random.default_rng(t)
        plain.append(np.std([DistanceToReference(mu, sigma)(x[r.integers(0, n, n)])
                             for _ in range(100)], ddof=1))
    values, ses = np.asarray(values), np.asarray(ses)
    sd = values.std(ddof=1)
    ratio = ses.mean() / sd
    coverage = np.mean(np.abs(values - values.mean()) <= 1.96 * ses)
    assert 0.8 <= ratio <= 1.25 and coverage >= 0.88, (ratio, coverage)
    if scale == 1.0:
        assert np.mean(plain) / sd > 1.4  # what it replaces


@pytest.mark.parametrize("d,r", [(32, 2000), (32, 20000), (128, 2000)])
def test_fd_infinity_of_fresh_images_is_zero_at_any_reference_size(d: int, r: int) -> None:
    """README and docs/evaluation.md: fresh real images score FD∞ ≈ 0, also against a small
    reference (a class-filtered model's, ≈ 2,000 boots): within 5 % of their FID (the floor),
    where the 1/N fit alone leaves the reference's size bias."""
    from genflow.tasks.evaluation.fid import fd_infinity

    rng = np.random.default_rng(d + r)
    mix = rng.standard_normal((d, d)) / np.sqrt(d) + np.eye(d)
    draws, n = (16, 2000) if d == 32 else (6, 2000)
    values, plain, fid = [], [], []
    for t in range(draws):
        ref = rng.standard_normal((r, d)) @ mix
        mu, sigma = feature_statistics(ref)
        x = rng.standard_normal((n, d)) @ mix
        values.append(fd_infinity(x, mu, sigma, t, reference=ref)[0])
        plain.append(fd_infinity(x, mu, sigma, t)[0])
        fid.append(frechet_distance(*feature_statistics(x), mu, sigma))
    mean, se = np.mean(values), np.std(values, ddof=1) / np.sqrt(draws)
    assert abs(mean) <= 3 * se + 0.05 * np.mean(fid), (mean, se, np.mean(fid))
    if r == 2000:  # what the reference's term removes
        assert np.mean(plain) > 0.2 * np.mean(fid) > 3 * se + abs(mean), (plain, mean)


def test_coverage_expectation_at_unequal_sizes() -> None:
    """docs/evaluation.md: fresh images' coverage is 1 - C(P-1, 5) / C(P-1+N, 5) for N judged
    rows against a P-row pool (0.97 only when N = P), and density's expectation is 1."""
    from genflow.tasks.evaluation.prdc import density_coverage, expected_coverage

    assert expected_coverage(2000, 2000) == pytest.approx(0.969, abs=0.001)
    assert expected_coverage(2000, 500) == pytest.approx(0.672, abs=0.001)
    assert expected_coverage(2000, 50) == pytest.approx(0.116, abs=0.001)
    rng = np.random.default_rng(5)
    d, pool = 16, 600
    for n in (30, 150, 600):
        got = np.array([density_coverage(rng.standard_normal((pool, d)),
                                         rng.standard_normal((n, d))) for _ in range(20)])
        mean, se = got.mean(0), got.std(0, ddof=1) / np.sqrt(len(got))
        assert abs(mean[1] - expected_coverage(pool, n)) <= 3 * se[1] + 0.005, (n, mean, se)
        assert abs(mean[0] - 1.0) <= 3 * se[0], (n, mean, se)
