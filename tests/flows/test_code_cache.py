"""Caches follow the code: the code version in a cache key covers every module the task
imports. In a temporary copy of the package, an unchanged re-run of training is a cache hit,
and an edit to a module of the data stage (which training calls) recomputes the model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("prefect_server")

SCRIPT = """
import json, sys
from genflow.flows.chain import ingest_datasets
from genflow.flows.train import train
from genflow.tasks.training.request import ModelRequest
root = sys.argv[1]
data = ingest_datasets(["mnist"], "csv", root)["mnist"]
state = train(ModelRequest(model="pixel", profile="smoke"), data, root=root, return_state=True)
record = state.result()
import genflow
print(json.dumps({"key": record.key, "finished_at": record.finished_at.isoformat(),
                  "package": genflow.__file__}))
"""


def _installed_layout(dst: Path) -> Path:
    """genflow/ with flows/, tasks/, storage/ below it, as pip installs them."""
    site = dst / "site"
    shutil.copytree(REPO / "genflow", site / "genflow", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("flows", "tasks", "storage"):
        shutil.copytree(REPO / folder, site / "genflow" / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return site


def _train(site: Path, root: Path) -> dict:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PYTHONPATH": str(site), "PREFECT_API_URL": PREFECT_API_URL.value()}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], env=env, cwd=site, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_editing_the_data_stage_retrains_and_nothing_else_does(tmp_path: Path, mnist_csv: Path) -> None:
    site = _installed_layout(tmp_path)
    root = tmp_path / "root"
    first = _train(site, root)
    assert first["package"].startswith(str(site))  # the copy ran, not the checkout
    again = _train(site, root)
    assert again == first  # cache hit: same key, the stored record of the first training

    normalise = site / "genflow" / "tasks" / "data" / "normalise.py"
    normalise.write_text(normalise.read_text() + "\n# an edit the cache must notice\n")
    edited = _train(site, root)
    assert edited["key"] != first["key"] and edited["finished_at"] != first["finished_at"]


VERSIONS = """
import json
from genflow.tasks.evaluation.evaluate_tasks import EVAL_CODE_VERSION
from genflow.tasks.evaluation.extractor_tasks import EXTRACTOR_CODE_VERSION
from genflow.tasks.training.train_tasks import train_code_version
print(json.dumps({"extractor": EXTRACTOR_CODE_VERSION, "evaluate": EVAL_CODE_VERSION,
                  "dcgan": train_code_version("dcgan")}))
"""


def _versions(site: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", VERSIONS], env={**os.environ, "PYTHONPATH": str(site)},
                         cwd=site, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_each_key_covers_only_the_code_its_step_runs(tmp_path: Path) -> None:
    """Editing the model registry (a model's quick settings) changes that model's training
    key and neither the extractor's nor the evaluation's: no extractor is retrained and no
    other model re-scored. Editing the side-by-side figure re-scores and retrains nothing;
    editing a metric re-scores and keeps the extractor; editing the classifier retrains it."""
    site = _installed_layout(tmp_path)
    tasks = site / "genflow" / "tasks"
    before = _versions(site)

    def edit(path: Path) -> dict:
        path.write_text(path.read_text() + "\n# an edit\n")
        return _versions(site)

    after_registry = edit(tasks / "models" / "registry.py")
    assert after_registry["dcgan"] != before["dcgan"]
    assert {k: after_registry[k] for k in ("extractor", "evaluate")} == \
        {k: before[k] for k in ("extractor", "evaluate")}
    after_generation = edit(tasks / "generation" / "generate_tasks.py")
    assert after_generation["evaluate"] == before["evaluate"]
    after_figure = edit(site / "genflow" / "storage" / "figures.py")  # drawn after training
    assert after_figure["dcgan"] == after_generation["dcgan"]
    assert after_figure["evaluate"] != after_generation["evaluate"]
    after_metric = edit(tasks / "evaluation" / "kid.py")
    assert after_metric["evaluate"] != after_figure["evaluate"]
    assert after_metric["extractor"] == before["extractor"]
    after_classifier = edit(tasks / "evaluation" / "classifier.py")
    assert after_classifier["extractor"] != before["extractor"]
    assert after_classifier["evaluate"] != after_metric["evaluate"]  # it loads the extractor
