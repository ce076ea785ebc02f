"""KID, precision/recall/density/coverage, mode coverage, classifier score, C2ST and the
memorisation statistics on data whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from genflow.core.errors import InputError
from genflow.core.kmeans import kmeans_cells
from genflow.tasks.evaluation import intervals
from genflow.tasks.evaluation import kid as kid_module
from genflow.tasks.evaluation import prdc as prdc_module
from genflow.tasks.evaluation.c2st import accuracy_interval, one_nn_two_sample_test
from genflow.tasks.evaluation.fid import fd_infinity, feature_statistics, frechet_distance
from genflow.tasks.evaluation.kid import kernel_inception_distance, mmd2_unbiased
from genflow.tasks.evaluation.memorisation import (
    copy_threshold,
    data_copying_ct,
    nearest_other_distance,
)
from genflow.tasks.evaluation.modes import (
    classifier_score,
    entropy_standard_error,
    mode_coverage,
)
from genflow.tasks.evaluation.prdc import PRDC, density_coverage, precision_recall
from genflow.tasks.evaluation.splits import draw, heldout_halves, reference_mask


def _gauss(seed: int, n: int = 2000, d: int = 16, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)) + shift


def test_kid_is_the_all_pairs_u_statistic() -> None:
    """KID uses every sample and reference row: it equals the brute-force unbiased MMD²."""
    real, fake = _gauss(1, n=900), _gauss(2, n=300, shift=0.2)
    got = kernel_inception_distance(real, fake, subsets=0)
    assert got.value == pytest.approx(mmd2_unbiased(fake, real), rel=1e-9, abs=1e-12)
    assert got.n == 300 and got.low < got.value < got.high and math.isnan(got.subset_std)
    assert got.low > 0  # the shift clears zero
    same = kernel_inception_distance(_gauss(1), _gauss(2))
    assert same.low < 0 < same.high and abs(same.value) < 0.01
    assert isinstance(same.value, float)


def test_kid_std_is_the_anchors_spread_over_subsets() -> None:
    """kid_std: torch-fidelity's sd (ddof 0) over 100 random subsets of 1,000 a side."""
    real, fake = _gauss(3, n=3000), _gauss(4, n=1500)
    got = kernel_inception_distance(real, fake, subsets=100, subset_size=1000, seed=7)
    rng = np.random.default_rng(7)
    ref = [mmd2_unbiased(fake[rng.choice(1500, 1000, replace=False)],
                         real[rng.choice(3000, 1000, replace=False)]) for _ in range(100)]
    assert got.subset_std == pytest.approx(float(np.std(ref)), rel=1e-3)
    assert got.subset_std > got.se  # a subset's spread, not the all-pairs standard error


def test_kid_needs_enough_rows() -> None:
    with pytest.raises(InputError, match="at least 4 rows"):
        kernel_inception_distance(_gauss(0, n=3), _gauss(1, n=100))


@pytest.mark.parametrize(("shift", "least"), [(0.0, 0.90), (0.06, 0.80), (0.2, 0.90)])
def test_kid_interval_is_calibrated_given_the_reference(shift: float, least: float) -> None:
    """Many fresh sample draws of ReLU features (as the extractors give) against one
    reference: the half-width is 0.75-1.33x 1.96 sd of the values and the interval covers the
    across-draw mean in ``least``-0.99 of draws. At KID = 0 (degenerate) the form with ζ1
    clipped on both arms covered 1.00, unclipped 0.83; there the draws with the lowest KID
    must reach the mean. Slightly off 0 (KID ~1.5 sd above it) ζ1 is real but its estimate
    is still noise: 0.85 here (the clipped form 0.89, the ζ2 part alone below the threshold
    0.75), docs/evaluation.md."""
    reference = np.maximum(_gauss(1, n=5000), 0)
    got = [kernel_inception_distance(reference, np.maximum(_gauss(100 + i, n=300, shift=shift), 0),
                                     subsets=0) for i in range(200)]
    values = np.array([k.value for k in got])
    ratio = np.mean([(k.high - k.low) / 2 for k in got]) / (intervals.Z95 * values.std(ddof=1))
    cover = np.mean([k.low <= values.mean() <= k.high for k in got])
    assert 0.75 <= ratio <= 1.33 and least <= cover <= 0.99, (ratio, cover)
    if shift == 0:
        lowest = np.argsort(values)[:50]
        assert np.mean([got[i].high >= values.mean() for i in lowest]) >= 0.95


def test_kid_interval_arms() -> None:
    """_interval's branches: not significantly above 0, the low arm is the ζ2 part's and the
    high arm counts ζ1 (clipped at 0); above, the bounds are the roots of
    (value - δ)² = 1.96² (ζ2 part + ζ1 part · δ / value), and the low end is continuous at
    the threshold."""
    z = intervals.Z95
    se, low, high = kid_module._interval(0.5, 1.0, 3.0)  # 0.5 < 1.96: not significant
    assert (se, low, high) == pytest.approx((2.0, 0.5 - z, 0.5 + 2 * z))
    se, low, high = kid_module._interval(-0.5, 1.0, -3.0)  # ζ1 part < 0: clipped
    assert (se, low, high) == pytest.approx((1.0, -0.5 - z, -0.5 + z))
    value, deg, lin = 5.0, 1.0, 3.0
    se, low, high = kid_module._interval(value, deg, lin)
    assert se == pytest.approx(2.0) and 0 < low < value < high and high - value > value - low
    for delta in (low, high):
        assert (value - delta) ** 2 == pytest.approx(z * z * (deg + lin * delta / value))
    assert kid_module._interval(z + 1e-9, 1.0, 3.0)[1] == pytest.approx(0.0, abs=1e-6)
    assert kid_module._interval(z - 1e-9, 1.0, 3.0)[1] == pytest.approx(0.0, abs=1e-6)
    assert all(math.isnan(b) for b in kid_module._interval(math.nan, 1.0, 3.0)[1:])


@pytest.mark.parametrize("n", [60, 600])
def test_coverage_interval_is_calibrated_over_fresh_draws(n: int) -> None:
    """coverage_se against the spread of coverage over 250 fresh draws of n rows judged
    against one 600-row pool: few judged rows per ball (n = 60), where the bootstrap was
    0.67x too narrow, and many (n = 600), where the plain jackknife is too wide."""
    pool = _gauss(30, n=600, d=8)
    radius = prdc_module._kth_radius(pool, 5)
    values, ses = [], []
    for i in range(250):
        inside = prdc_module._pairwise(pool, _gauss(300 + i, n=n, d=8)) <= radius[:, None]
        values.append(inside.any(axis=1).mean())
        ses.append(prdc_module.coverage_se(inside))
    values, ses = np.array(values), np.array(ses)
    ratio = ses.mean() / values.std(ddof=1)
    cover = np.mean(np.abs(values - values.mean()) <= intervals.Z95 * ses)
    assert 0.8 <= ratio <= 1.25 and 0.90 <= cover <= 0.99, (ratio, cover)


@pytest.mark.parametrize("weights", [None, (4, 1, 1, 1, 1, 1, 1, 1, 1, 1)])
def test_mode_entropy_interval_is_calibrated_over_fresh_draws(weights) -> None:
    """entropy_standard_error against the spread over 150 draws of 200 predicted classes: at
    the entropy's maximum (every class equally often), where the plain bootstrap is ~1.7x too
    wide, and off it."""
    w = np.ones(10) if weights is None else np.asarray(weights, float)
    values, ses = [], []
    for i in range(150):
        labels = np.random.default_rng(500 + i).choice(10, 200, p=w / w.sum())
        probs = np.eye(10)[labels]
        values.append(mode_coverage(probs)["entropy_bits"])
        ses.append(entropy_standard_error(probs, 100, i))
    values, ses = np.array(values), np.array(ses)
    ratio = ses.mean() / values.std(ddof=1)
    cover = np.mean(np.abs(values - values.mean()) <= intervals.Z95 * ses)
    assert 0.8 <= ratio <= 1.25 and 0.90 <= cover <= 0.99, (ratio, cover)


def test_scorers_use_the_corrected_standard_errors() -> None:
    """prdc.score's coverage interval is ± 1.96 coverage_se and modes.score_classes's entropy
    interval ± 1.96 entropy_standard_error (clipped to their ranges), not the bootstrap's."""
    from types import SimpleNamespace

    from genflow.tasks.evaluation import config as names
    from genflow.tasks.evaluation.config import EvalConfig
    from genflow.tasks.evaluation.modes import score_classes

    config = EvalConfig(bootstrap=50, prdc_max=2000)
    pool, features = _gauss(40, n=800, d=8), _gauss(41, n=300, d=8)
    j = SimpleNamespace(features=features, rod=SimpleNamespace(pool=pool), config=config,
                        seed=config.seed)
    value, low, high = prdc_module.score(j)[names.COVERAGE]
    se = prdc_module.coverage_se(PRDC(pool, features).in_dc)
    assert se > 0 and low == pytest.approx(max(value - intervals.Z95 * se, 0.0))
    assert high == pytest.approx(min(value + intervals.Z95 * se, 1.0))
    labels = np.random.default_rng(42).choice(10, 300, p=np.r_[[4.0], np.ones(9)] / 13)
    probs = np.eye(10)[labels] * 0.9 + 0.01
    j = SimpleNamespace(probs=probs, single_class=False, seed=config.seed, config=config,
                        classes=None)
    value, low, high = score_classes(j)[names.MODE_ENTROPY]
    se = entropy_standard_error(probs, config.bootstrap, config.seed)
    assert high - value == pytest.approx(intervals.Z95 * se) == pytest.approx(value - low)


def test_dropped_classes_asks_for_a_significant_drop() -> None:
    """dropped_classes' recall/coverage check: a one-sided z-test of value - floor (each
    side's standard error read off its interval), not "the intervals do not overlap"."""
    from genflow.tasks.evaluation.controls import not_dropped

    def row(value: float, half: float, floor: float = 0.5) -> dict:
        return {"value": value, "low": value - half, "high": value + half, "floor": floor,
                "floor_low": floor - half, "floor_high": floor + half}

    # z = -0.06 / (0.04·√2 / 1.96) = -2.08: significant, though the intervals overlap
    assert not_dropped(row(0.44, 0.04)) is None
    assert "did not drop" in not_dropped(row(0.48, 0.04))  # z = -0.69
    assert "did not drop" in not_dropped(row(0.56, 0.04))  # above the floor
    assert not_dropped(row(0.3, 0.0)) is None  # no spread: any drop counts (z = -inf)
    assert "no interval" in not_dropped({"value": 0.3, "low": None, "high": None,
                                         "floor": 0.5, "floor_low": 0.4, "floor_high": 0.6})


def test_fid_bootstrap_interval_and_fd_infinity() -> None:
    real = _gauss(20, n=20_000)
    mu, sigma = feature_statistics(real)
    same = _gauss(21, n=2000)
    fid = frechet_distance(*feature_statistics(same), mu, sigma)
    low, high = intervals.bootstrap(
        fid, lambda r: frechet_distance(*feature_statistics(same[r]), mu, sigma), 2000, 50, 0,
        lo=0.0)
    assert 0.0 <= low <= fid <= high
    # FID of one distribution is pure 1/N bias: FD-infinity removes most of it
    inf, inf_low, inf_high = fd_infinity(same, mu, sigma, seed=0)
    assert abs(inf) < fid / 3 and inf_low <= inf <= inf_high
    far = fd_infinity(_gauss(22, n=2000, shift=0.3), mu, sigma, seed=0)
    assert far[1] > inf_high  # a real shift survives the extrapolation


def test_density_and_coverage_for_one_distribution() -> None:
    density, coverage = density_coverage(_gauss(3, n=1500), _gauss(4, n=1500), k=5)
    assert density == pytest.approx(1.0, abs=0.1)
    assert coverage == pytest.approx(1 - 0.5 ** 5, abs=0.03)  # ~0.97 (Naeem et al. 2020)


def test_precision_recall_separate_quality_from_diversity() -> None:
    real = _gauss(5, n=1000)
    collapsed = np.repeat(real[:5], 200, axis=0) + 1e-3 * _gauss(6, n=1000)
    precision, recall = precision_recall(real, collapsed, k=3)
    assert precision > 0.9 and recall < 0.2
    far_p, _ = precision_recall(real, _gauss(7, n=1000, shift=10.0), k=3)
    assert far_p == 0.0


def test_mode_coverage_and_classifier_score() -> None:
    uniform = np.eye(10)[np.arange(1000) % 10]
    modes = mode_coverage(uniform)
    assert modes["histogram"] == [100] * 10 and modes["entropy_bits"] == pytest.approx(np.log2(10))
    assert modes["classes_missing"] == 0.0
    only_threes = np.eye(10)[np.full(100, 3)]
    assert mode_coverage(only_threes)["missing"] == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    assert classifier_score(uniform, seed=None)[0] == pytest.approx(10.0, rel=1e-6)
    # A set stored sorted by class (the MNIST sample's splits) scored 1.09 in consecutive
    # chunks; rows are shuffled first now.
    sorted_by_class = np.eye(10)[np.repeat(np.arange(10), 100)]
    assert classifier_score(sorted_by_class, seed=None)[0] < 1.1
    assert classifier_score(sorted_by_class)[0] > 9
    assert classifier_score(np.full((100, 10), 0.1))[0] == pytest.approx(1.0)
    with pytest.raises(InputError, match="summing to 1"):
        mode_coverage(np.full((3, 10), 0.5))


def test_prdc_bootstrap_matches_the_plain_metrics() -> None:
    real, fake = _gauss(3, n=800), _gauss(4, n=800)
    values = PRDC(real, fake).values()
    assert (values["precision"], values["recall"]) == pytest.approx(precision_recall(real, fake))
    assert (values["density"], values["coverage"]) == pytest.approx(density_coverage(real, fake))
    # a resample: the shortcuts (per-fake flags, sorted near lists) equal the direct formulas
    rows = np.random.default_rng(1).integers(0, 800, 800)
    distinct = np.unique(rows)
    got = PRDC(real, fake).values(rows)
    assert got["recall"] == pytest.approx(precision_recall(real, fake[distinct])[1])
    assert got["coverage"] == pytest.approx(density_coverage(real, fake[distinct])[1])
    assert got["precision"] == pytest.approx(precision_recall(real, fake[rows])[0])
    found = intervals.bootstrap_many(values, PRDC(real, fake).values, 800, 30, 0)
    for key, (low, high) in found.items():
        assert low <= values[key] <= high, key


def test_fast_reference_distance_equals_frechet_distance() -> None:
    from genflow.tasks.evaluation.fid import DistanceToReference

    mu, sigma = feature_statistics(_gauss(40, n=3000))
    x = _gauss(41, n=1000, shift=0.2)
    assert DistanceToReference(mu, sigma)(x) == pytest.approx(
        frechet_distance(*feature_statistics(x), mu, sigma), rel=1e-9)


def test_mann_whitney_u_matches_scipy_with_ties() -> None:
    import scipy.stats

    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 20, 300) / 20, rng.integers(0, 20, 400) / 20  # many ties
    cells_a, cells_b = np.zeros(300, int), np.zeros(400, int)
    u = scipy.stats.mannwhitneyu(a, b).statistic
    z = (u - 300 * 400 / 2) / np.sqrt(300 * 400 * 701 / 12)
    assert data_copying_ct(a, cells_a, b, cells_b, 1) == pytest.approx(z, rel=1e-12)


def test_c2st_interval_counts_the_draw_of_its_real_rows() -> None:
    """Fresh sets of 200 against one 2,000-row pool, the C2ST's 200 real rows drawn anew each
    time: the interval's half-width is 0.75-1.33x 1.96 sd and it covers the mean in 90-99 %
    of draws. With the real rows held fixed the accuracy spreads less: the interval is not
    conditional on them (docs/evaluation.md)."""
    pool = _gauss(40, n=2000)
    spreads = {}
    for fixed in (False, True):
        got = [accuracy_interval(one_nn_two_sample_test(pool, _gauss(600 + i, n=200),
                                                        seed=0 if fixed else i, permutations=300))
               for i in range(150)]
        values = np.array([g[0] for g in got])
        spreads[fixed] = values.std(ddof=1)
        if not fixed:
            ratio = np.mean([(hi - lo) / 2 for _, lo, hi in got]) / (intervals.Z95 * spreads[fixed])
            cover = np.mean([lo <= values.mean() <= hi for _, lo, hi in got])
            assert 0.75 <= ratio <= 1.33 and 0.90 <= cover <= 0.99, (ratio, cover)
    assert spreads[True] < spreads[False]


def test_one_nn_c2st_sees_place_and_spread() -> None:
    same = [one_nn_two_sample_test(_gauss(100 + i, n=500), _gauss(200 + i, n=500), seed=i)
            for i in range(20)]  # one distribution: chance accuracy, p-values not small
    assert np.mean([c.accuracy for c in same]) == pytest.approx(0.5, abs=0.02)
    assert np.mean([c.p_value < 0.05 for c in same]) <= 0.15
    shifted = one_nn_two_sample_test(_gauss(8, n=500), _gauss(9, n=500, shift=1.0))
    assert shifted.accuracy > 0.8 and shifted.p_value < 0.01
    # The linear C2ST this replaced scored 0.534 on this case: same mean, half the spread.
    narrow = one_nn_two_sample_test(_gauss(8, n=500), 0.5 * _gauss(9, n=500))
    assert narrow.accuracy > 0.6 and narrow.p_value < 0.01
    # ... and 0.493 on a within-mode collapse: 10 points, each repeated with tiny noise.
    collapse = np.repeat(_gauss(10, n=10), 50, axis=0) + 0.01 * _gauss(11, n=500)
    collapsed = one_nn_two_sample_test(_gauss(8, n=500), collapse)
    assert collapsed.accuracy > 0.9 and collapsed.p_value < 0.01
    with pytest.raises(InputError, match="at least 10"):
        one_nn_two_sample_test(_gauss(8, n=5), _gauss(9, n=5))


def test_memorisation_calibration_copying_and_authenticity() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(0.05, 0.15, 2000)            # held-out-to-train NN1 distances
    thr = copy_threshold(base)
    assert thr == pytest.approx(np.quantile(base, 0.01))
    feats = _gauss(30, n=2000, d=4)
    cells = kmeans_cells(feats, 5, seed=0)
    base_cells = cells.assign(feats)
    fresh = rng.uniform(0.05, 0.15, 2000)            # a fresh real set: C_T ~ 0
    copier = rng.uniform(0.0, 0.04, 2000)             # much closer than held-out: C_T << 0
    assert abs(data_copying_ct(fresh, base_cells, base, base_cells, 5)) < 3
    assert data_copying_ct(copier, base_cells, base, base_cells, 5) < -20
    # the distance to the nearest *other* training image, whatever the neighbour order
    idx = np.array([[7, 3], [2, 7]])
    dist = np.array([[0.0, 0.2], [0.0, 0.0]])
    assert nearest_other_distance(idx, dist, np.array([7, 7])).tolist() == [0.2, 0.0]


def test_splits_are_seeded_draws_not_prefixes() -> None:
    mask = reference_mask(3000, seed=0)
    assert mask.sum() == 1000 and not mask[:1000].all()
    assert (reference_mask(3000, seed=0) == mask).all() and (reference_mask(3000, 1) != mask).any()
    base, floor = heldout_halves(1000, seed=0)
    assert len(set(base) & set(floor)) == 0 and len(base) + len(floor) == 1000
    assert sorted(floor[:100]) != list(range(500, 600))
    assert len(set(draw(100, 30, 0))) == 30
    assert intervals.proportion(0, 100)[0] == 0.0 and intervals.proportion(50, 100)[1] < 0.6


@pytest.mark.parametrize("scale", [1.0, 0.95])  # fresh images; a set 5 % closer (copying)
def test_ct_interval_includes_the_baselines_draw(scale: float) -> None:
    """Over independent draws of the set *and* the baseline, C_T's interval covers the
    across-draw mean 90-99 % of the time with 0.75-1.33 × the spread's width."""
    from genflow.tasks.evaluation.memorisation import data_copying_ct_interval

    rng = np.random.default_rng(5)
    k, n, draws = 10, 600, 100
    weights = rng.dirichlet(np.full(k, 3.0))

    def nn1(m: int, s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        cells = rng.choice(k, m, p=weights)
        return rng.gamma(4 + 0.3 * cells, 0.02, m) * s, cells

    got = []
    for t in range(draws):
        (d, c), (b, bc) = nn1(n, scale), nn1(n)
        got.append(data_copying_ct_interval(d, c, b, bc, k, 100, seed=t))
    values = np.array([g[0] for g in got])
    mean, sd = values.mean(), values.std(ddof=1)
    coverage = np.mean([lo <= mean <= hi for _, lo, hi in got])
    ratio = np.mean([(hi - lo) / 2 for _, lo, hi in got]) / (1.96 * sd)
    assert 0.90 <= coverage <= 0.99 and 0.75 <= ratio <= 1.33, (coverage, ratio)


def test_the_floor_is_judged_once_per_size_and_equals_a_fresh_judgement(real_splits) -> None:
    """evaluate() remembers the held-out floor's metrics per (real sets, extractor, config, N,
    classes): a second image set of the same size reuses them, and its rows equal those of an
    evaluation with nothing remembered (real Fashion-MNIST, a real Keras extractor)."""
    import keras

    from genflow.tasks.data.normalise import scale
    from genflow.tasks.evaluation.classifier import build_domain_classifier
    from genflow.tasks.evaluation.config import eval_config_for
    from genflow.tasks.evaluation.evaluate import RealSets, evaluate
    from genflow.tasks.evaluation.extractors import Extractor
    from genflow.tasks.evaluation.neighbours import NeighbourIndex

    keras.utils.set_random_seed(0)
    extractor = Extractor("domain", 128, build_domain_classifier(10))
    (x, _), (xt, _) = real_splits["fashion_mnist"]["train"], real_splits["fashion_mnist"]["test"]
    rng = np.random.default_rng(0)
    train = scale(x[rng.permutation(len(x))[:3000]], "unit")
    heldout = scale(xt[rng.permutation(len(xt))[:800]], "unit")
    reference = extractor.features(train[:1500])[0]
    config = eval_config_for("smoke")

    def real_sets(key: str) -> RealSets:
        return RealSets(train=train, heldout=heldout, reference=reference,
                        reference_stats=feature_statistics(reference),
                        index=NeighbourIndex(train), key=key)

    remembered = real_sets("fashion-sample")
    first = scale(xt[rng.permutation(len(xt))[:300]], "unit")
    second = np.clip(train[rng.permutation(len(train))[:300]] + 0.03, 0.0, 1.0)
    a = evaluate(first, remembered, extractor, config, single_class=False)
    b = evaluate(second, remembered, extractor, config, single_class=False)
    held = [k for k in remembered.index.memo if isinstance(k, tuple) and k[0] == "yardstick"]
    assert len(held) == 1  # one size, one floor
    fresh = evaluate(second, real_sets(""), extractor, config, single_class=False)
    assert [vars(r) for r in b.rows] == [vars(r) for r in fresh.rows]
    assert b.verdict == fresh.verdict and (b.copies == fresh.copies).all()
    floors = lambda res: {r.metric: (r.floor, r.floor_low, r.floor_high) for r in res.rows}  # noqa: E731
    assert floors(a) == floors(b)
    assert {r.metric: r.value for r in a.rows} != {r.metric: r.value for r in b.rows}
    evaluate(first[:200], remembered, extractor, config, single_class=False)
    assert len([k for k in remembered.index.memo
                if isinstance(k, tuple) and k[0] == "yardstick"]) == 2  # another N, another floor


def test_shares_beyond_a_baseline_quantile_cover_the_spread_over_draws() -> None:
    """near_duplicate_share and far_from_real_share of fresh draws (Gaussian features, N = 400):
    the intervals that count the threshold's noise and the near-duplicates' pairing cover the
    fresh-data share in ~95 % of 200 draws; Wilson's alone covered ~70 %."""
    from genflow.tasks.evaluation import outliers

    rng = np.random.default_rng(5)
    pool = rng.standard_normal((1000, 16))
    got: dict[str, list] = {"near": [], "far": [], "near_wilson": []}
    for _ in range(200):
        x, b = rng.standard_normal((400, 16)), rng.standard_normal((400, 16))
        dx, nearest = outliers.nearest_other_cosine_index(x)
        db, base_nearest = outliers.nearest_other_cosine_index(b)
        flagged = dx < np.quantile(db, outliers.DUPLICATE_QUANTILE)
        pairing = outliers.pairing_design_effect(
            flagged if flagged.any() else db < np.quantile(db, outliers.DUPLICATE_QUANTILE),
            nearest if flagged.any() else base_nearest)
        got["near"].append(intervals.beyond_quantile(dx, db, outliers.DUPLICATE_QUANTILE, True,
                                                     pairing))
        got["near_wilson"].append((flagged.mean(), *intervals.proportion(flagged.sum(), 400)))
        got["far"].append(intervals.beyond_quantile(outliers.nearest_cosine(x, pool),
                                                    outliers.nearest_cosine(b, pool),
                                                    outliers.FAR_QUANTILE, False))
    coverage = {}
    for name, rows in got.items():
        r = np.array(rows)
        target = r[:, 0].mean()  # the fresh-data share (ties of mutual pairs put it above q)
        coverage[name] = float(((r[:, 1] <= target) & (target <= r[:, 2])).mean())
    assert coverage["near"] >= 0.88 and coverage["far"] >= 0.90, coverage
    assert coverage["near_wilson"] < 0.82, coverage  # what the threshold's noise cost


def test_a_boundary_share_keeps_its_meaning() -> None:
    """All rows flagged (one image repeated) or none: the share is exact, its interval stays on
    the right side of the flags' limits."""
    base = np.random.default_rng(0).uniform(0.1, 1.0, 500)
    s, low, high = intervals.beyond_quantile(np.zeros(500), base, 0.01, True, 2.0)
    assert s == 1.0 and high == 1.0 and low > 0.9
    s, low, high = intervals.beyond_quantile(np.ones(500), base, 0.01, True, 2.0)
    assert s == 0.0 and low == 0.0 and high < 0.03


def test_memorisation_gap_is_calibrated_and_sees_training_copies() -> None:
    """The train-vs-held-out gap on Gaussian mixture features (d = 32): for fresh sets, over
    independent draws of the set and of both query sets, its interval covers 0 in 90-99 % of
    draws with 0.75-1.33 × the spread's width; a set of noisy copies of a fifth of the
    training images has a gap whose lower bound is above 0 in every draw."""
    from genflow.tasks.evaluation.memorisation import memorisation_gap

    rng = np.random.default_rng(11)
    d, n, m, draws = 32, 1000, 1000, 120
    centres = rng.normal(0, 3, (20, d))

    def population(k: int) -> np.ndarray:
        return centres[rng.integers(0, 20, k)] + rng.normal(0, 1, (k, d))

    training = population(5000)  # what a generator trained on
    got, copied = [], []
    for _ in range(draws):
        train_q = training[rng.choice(len(training), m, replace=False)]
        got.append(memorisation_gap(population(n), train_q, population(m)))
    for _ in range(10):
        train_q = training[rng.choice(len(training), m, replace=False)]
        picks = training[rng.choice(len(training), n, replace=False)]
        copies = picks + rng.normal(0, 0.05, picks.shape)
        copied.append(memorisation_gap(copies, train_q, population(m)))
    values = np.array([g[0] for g in got])
    coverage = np.mean([lo <= 0 <= hi for _, lo, hi in got])
    ratio = np.mean([(hi - lo) / 2 for _, lo, hi in got]) / (1.96 * values.std(ddof=1))
    assert abs(values.mean()) < 3 * values.std(ddof=1) / math.sqrt(draws), values.mean()
    assert 0.90 <= coverage <= 0.99 and 0.75 <= ratio <= 1.33, (coverage, ratio)
    assert all(lo > 0 for _, lo, _ in copied), copied
