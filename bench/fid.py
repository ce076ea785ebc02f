"""FID at d = 2048 with 10,000 random features per side: genflow's eigendecomposition route vs
the scipy.linalg.sqrtm route, measured in one run. Goal: <= 5 s and equal to 1e-9 relative.

    .venv/bin/python bench/fid.py [--n 10000] [--d 2048]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg

from genflow.tasks.evaluation.fid import feature_statistics, frechet_distance


def sqrtm_route(mu1, s1, mu2, s2) -> float:
    covmean = np.real(scipy.linalg.sqrtm(s1 @ s2))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--d", type=int, default=2048)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    mix = rng.standard_normal((args.d, args.d)) / np.sqrt(args.d)
    real = rng.standard_normal((args.n, args.d)) @ mix
    fake = rng.standard_normal((args.n, args.d)) @ mix * 1.1 + 0.05

    t0 = time.perf_counter()
    stats_r, stats_f = feature_statistics(real), feature_statistics(fake)
    t_stats = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = frechet_distance(*stats_r, *stats_f)
    t_fid = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = sqrtm_route(*stats_r, *stats_f)
    t_ref = time.perf_counter() - t0
    rel = abs(ours - ref) / abs(ref)
    total = t_stats + t_fid
    print(f"n={args.n} per side, d={args.d}")
    print(f"genflow: statistics {t_stats:.2f} s + distance {t_fid:.2f} s = {total:.2f} s "
          f"(goal <= 5 s: {'met' if total <= 5 else 'MISSED'})")
    print(f"sqrtm route: distance {t_ref:.2f} s -> genflow distance is {t_ref / t_fid:.1f}x faster")
    print(f"FID {ours:.10f} vs {ref:.10f}: relative difference {rel:.2e} "
          f"(goal <= 1e-9: {'met' if rel <= 1e-9 else 'MISSED'})")


if __name__ == "__main__":
    main()
