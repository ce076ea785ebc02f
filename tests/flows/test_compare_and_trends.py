"""Comparing runs and the trends page, on real MNIST digits judged as three runs of one label:
two draws of real images ("the same config, another seed") differ by nothing beyond the
intervals; a blurred set ("a damaged model") shows the drop. Read back from the Parquet tables
only, through the CLI, and the trends page rendered in headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage

from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root
from tests.conftest import chromium_dom
from tests.test_cli import GENFLOW

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


def test_compare_sees_a_drop_and_not_a_reseed(mnist_csv: Path, tmp_path: Path,
                                              real_splits) -> None:
    from genflow.flows.audit import evaluate_images

    root = tmp_path / "root"
    x, _ = real_splits["mnist"]["train"]
    rng = np.random.default_rng(7)
    rows = rng.permutation(len(x))
    runs = {}
    for name, images in (("seed-a", x[rows[:500]]), ("seed-b", x[rows[500:1000]]),
                         ("damaged", scipy.ndimage.gaussian_filter(
                             x[rows[1000:1500]].astype(np.float32) / 255, (0, 1.5, 1.5, 0)))):
        np.save(tmp_path / f"{name}.npy", images)
        runs[name] = evaluate_images(str(tmp_path / f"{name}.npy"), "mnist", "candidate",
                                     source="csv", root=str(root)).run_id
    # the quick profile's MNIST extractor, trained here anyway, reaches its goal
    accuracy = {r["value"] for r in read_table(resolve_root(root), "metrics").to_pylist()
                if r["metric"] == "extractor_test_accuracy"}
    assert len(accuracy) == 1 and accuracy.pop() >= 0.97, accuracy
    # on a copy of reports/ only: no Prefect, no datasets, no models
    copy = tmp_path / "copy"
    shutil.copytree(root / "reports", copy / "reports")
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api"}

    def compare(a: str, b: str) -> str:
        out = subprocess.run([GENFLOW, "compare", runs[a], runs[b], "--root", str(copy)],
                             capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    same = compare("seed-a", "seed-b")
    from genflow.tasks.evaluation import metrics

    headline = len(metrics.headline())  # the registry's headline metrics are compared
    assert f"0 of {headline} differences beyond the intervals" in same, same
    drop = compare("seed-a", "damaged")
    lines = {line.split()[2]: line.split()[-1] for line in drop.splitlines()
             if line.startswith("  candidate")}
    assert lines["fid"] == "worse" and lines["recall"] == "worse", drop
    bad = subprocess.run([GENFLOW, "compare", runs["seed-a"], "nope", "--root", str(copy)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "'nope' is not in the metrics table" in bad.stderr

    dom, loaded, total = chromium_dom(root / "reports" / "index.html", tmp_path / "chromium")
    assert total == 1 and loaded == 1  # one label: one row of trend charts
    assert all(run in dom for run in runs.values())
