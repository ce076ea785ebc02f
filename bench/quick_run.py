"""What a new user sees: a cold `genflow run` (quick profile) on this machine, timed from the
set-up script, then the quality figures of issue 10 read back from the run's metrics table.

Cold means a fresh artifact root and a fresh Prefect home (its own temporary server, as a
plain `genflow run` starts one): nothing cached. The set-up script is timed as a user runs it
(a no-op install when .venv is current; the data fetch checks).

Goals, per model of the default run (the domain classifier judges 2,000 samples):
- MNIST generators (autoencoder, vae, mlp_gan, dcgan): >= 8 of 10 classes assigned
  (classes_missing <= 2) and mean top-class probability >= 0.8. pixel (P1) is the notes'
  lesson in what independent pixels cannot do and has no goal.
- fashion_dcgan: >= 90 % of samples classified as ankle boots (in_class_share) and recall
  > 0.2 (not collapsed).
- the whole run, set-up included, within 15 minutes.

    .venv/bin/python bench/quick_run.py [--root DIR] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MNIST_GOALS = ("autoencoder", "vae", "mlp_gan", "dcgan")
BUDGET_S = 15 * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="artifact root (default: a new temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the root for a look")
    parser.add_argument("--models", default=None, help="comma list (default: the default run)")
    parser.add_argument("--analyse", default=None, metavar="ROOT",
                        help="only print the figures of the latest run under ROOT")
    args = parser.parse_args()
    if args.analyse:
        return 0 if figures(Path(args.analyse)) else 1
    root = Path(args.root or tempfile.mkdtemp(prefix="genflow-quick-"))
    home = tempfile.mkdtemp(prefix="genflow-quick-prefect-")
    env = {**os.environ, "PREFECT_HOME": home, "PYTHONUNBUFFERED": "1"}
    for key in ("PREFECT_API_URL", "GENFLOW_HOME"):
        env.pop(key, None)

    t0 = time.perf_counter()
    subprocess.run(["bash", "scripts/setup.sh"], cwd=REPO, check=True, env=env,
                   stdout=subprocess.DEVNULL)
    setup = time.perf_counter() - t0
    cmd = [str(REPO / ".venv/bin/genflow"), "run", "--root", str(root)]
    if args.models:
        cmd += ["--models", args.models]
    t1 = time.perf_counter()
    log = root.parent / f"{root.name}.log"
    with open(log, "w") as out:
        proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    run = time.perf_counter() - t1
    total = setup + run
    print(f"set-up {setup:.1f} s + genflow run {run:.1f} s = {total / 60:.1f} min "
          f"(goal <= 15 min: {'met' if total <= BUDGET_S else 'MISSED'}); exit {proc.returncode};"
          f" log {log}")
    if proc.returncode != 0:
        print(log.read_text()[-3000:])
        shutil.rmtree(home, ignore_errors=True)
        return 1
    ok = figures(root)
    print(f"root: {root}")
    if not args.keep and not args.root:
        shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    return 0 if ok and total <= BUDGET_S else 1


def figures(root: Path) -> bool:
    """Print each model's figures of the latest run under ``root``; True if every goal is met."""
    import duckdb

    glob = "*/*/*.parquet"
    [(run,)] = duckdb.sql(f"""SELECT max(run_id) FROM read_parquet(
        '{root}/reports/metrics/{glob}', hive_partitioning = true)""").fetchall()
    metrics = duckdb.sql(f"""
        SELECT model, dataset, metric, value, floor, n FROM read_parquet(
            '{root}/reports/metrics/{glob}', hive_partitioning = true)
        WHERE run_id = '{run}'""").fetchall()
    by: dict[tuple[str, str], dict[str, tuple[float, float | None, int]]] = {}
    for model, dataset, metric, value, floor, n in metrics:
        by.setdefault((model, dataset), {})[metric] = (value, floor, n)
    train = duckdb.sql(f"""
        SELECT model, dataset, max(step) AS steps FROM read_parquet(
            '{root}/reports/training_history/{glob}', hive_partitioning = true)
        WHERE run_id = '{run}' GROUP BY model, dataset""").fetchall()
    steps = {(model, dataset): n for model, dataset, n in train}
    print(f"run {run}")
    ok = True
    print(f"{'model':<16}{'dataset':<14}{'iters':>6}{'classes':>8}{'top p':>7}{'in class':>9}"
          f"{'recall':>7}{'fid':>8}  goal")
    for (model, dataset), m in sorted(by.items()):
        def v(name: str, m: dict = m) -> float | None:
            return m[name][0] if name in m else None

        missing, top, share, recall = (v("classes_missing"), v("top_class_probability"),
                                       v("in_class_share"), v("recall"))
        goal = "-"
        if model in MNIST_GOALS:
            met = missing is not None and missing <= 2 and top is not None and top >= 0.8
            goal = "met" if met else "MISSED"
        elif model == "fashion_dcgan":
            met = share is not None and share >= 0.9 and recall is not None and recall > 0.2
            goal = "met" if met else "MISSED"
        ok &= goal != "MISSED"
        classes = "-" if missing is None else f"{10 - missing:.0f}/10"
        fmt = lambda x, w=7: f"{x:>{w}.3f}" if x is not None else f"{'-':>{w}}"  # noqa: E731
        print(f"{model:<16}{dataset:<14}{steps.get((model, dataset), 0):>6}{classes:>8}{fmt(top)}"
              f"{fmt(share, 9)}{fmt(recall)}{fmt(v('fid'), 8)}  {goal}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
