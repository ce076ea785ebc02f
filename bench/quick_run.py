"""What a new user sees: the README's first command on a fresh clone (`git clone` of this
checkout's HEAD into a new folder, then `bash scripts/setup.sh && .venv/bin/genflow run`),
timed, then the quality figures read back from the run's metrics table beside the figures of
the run before issue 20 (18.3 min: set-up 72.8 s + run 1,027.8 s, measured the same way).

Cold means a new folder (so a new .venv), a fresh artifact root and a fresh Prefect home (its
own temporary server, as a plain `genflow run` starts one): nothing cached but the package
managers' download caches.

Goals, per model of the default run (the domain classifier judges 2,000 samples):
- MNIST generators (autoencoder, vae, mlp_gan, dcgan): >= 8 of 10 classes assigned
  (classes_missing <= 2) and mean top-class probability >= 0.85. pixel (P1) and
  autoencoder_2d (P4's map) have no goal.
- fashion_dcgan: >= 95 % of samples classified as ankle boots (in_class_share) and recall not
  lower than before (0.486).
- the whole run, set-up included, within 12 minutes.

    .venv/bin/python bench/quick_run.py [--keep] [--here]
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
BUDGET_S = 12 * 60
# The default run before issue 20 on a fresh clone: (classes, top p, in class, recall).
BEFORE = {"autoencoder": (10, 0.828, None, 0.487), "autoencoder_2d": (8, 0.728, None, 0.003),
          "dcgan": (10, 0.860, None, 0.674), "fashion_dcgan": (None, 0.979, 0.984, 0.486),
          "mlp_gan": (10, 0.902, None, 0.527), "pixel": (None, 0.778, 0.240, 0.000),
          "vae": (10, 0.861, None, 0.083)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="artifact root (default: a new temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the root for a look")
    parser.add_argument("--models", default=None, help="comma list (default: the default run)")
    parser.add_argument("--analyse", default=None, metavar="ROOT",
                        help="only print the figures of the latest run under ROOT")
    parser.add_argument("--here", action="store_true",
                        help="run in this checkout (its .venv) instead of a fresh clone")
    args = parser.parse_args()
    if args.analyse:
        return 0 if figures(Path(args.analyse)) else 1
    repo = REPO
    if not args.here:
        repo = Path(tempfile.mkdtemp(prefix="genflow-clone-")) / "genflow"
        subprocess.run(["git", "clone", "-q", str(REPO), str(repo)], check=True)
        print(f"fresh clone of {REPO} HEAD in {repo}")
    root = Path(args.root or tempfile.mkdtemp(prefix="genflow-quick-"))
    home = tempfile.mkdtemp(prefix="genflow-quick-prefect-")
    env = {**os.environ, "PREFECT_HOME": home, "PYTHONUNBUFFERED": "1"}
    for key in ("PREFECT_API_URL", "GENFLOW_HOME"):
        env.pop(key, None)

    t0 = time.perf_counter()
    subprocess.run(["bash", "scripts/setup.sh"], cwd=repo, check=True, env=env,
                   stdout=subprocess.DEVNULL)
    setup = time.perf_counter() - t0
    cmd = [str(repo / ".venv/bin/genflow"), "run", "--root", str(root)]
    if args.models:
        cmd += ["--models", args.models]
    t1 = time.perf_counter()
    log = root.parent / f"{root.name}.log"
    with open(log, "w") as out:
        proc = subprocess.run(cmd, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    run = time.perf_counter() - t1
    total = setup + run
    print(f"set-up {setup:.1f} s + genflow run {run:.1f} s = {total / 60:.1f} min "
          f"(goal <= 12 min: {'met' if total <= BUDGET_S else 'MISSED'}; before: 18.3 min, "
          f"{1098.6 / total:.2f}x); exit {proc.returncode}; log {log}")
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
          f"{'recall':>7}{'fid':>8}  goal   (before: classes, top p, in class, recall)")
    for (model, dataset), m in sorted(by.items()):
        def v(name: str, m: dict = m) -> float | None:
            return m[name][0] if name in m else None

        missing, top, share, recall = (v("classes_missing"), v("top_class_probability"),
                                       v("in_class_share"), v("recall"))
        goal = "-"
        if model in MNIST_GOALS:
            met = missing is not None and missing <= 2 and top is not None and top >= 0.85
            goal = "met" if met else "MISSED"
        elif model == "fashion_dcgan":
            met = (share is not None and share >= 0.95 and recall is not None
                   and recall >= BEFORE["fashion_dcgan"][3])
            goal = "met" if met else "MISSED"
        ok &= goal != "MISSED"
        classes = "-" if missing is None else f"{10 - missing:.0f}/10"
        fmt = lambda x, w=7: f"{x:>{w}.3f}" if x is not None else f"{'-':>{w}}"  # noqa: E731
        print(f"{model:<16}{dataset:<14}{steps.get((model, dataset), 0):>6}{classes:>8}{fmt(top)}"
              f"{fmt(share, 9)}{fmt(recall)}{fmt(v('fid'), 8)}  {goal:<6} {BEFORE.get(model)}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
