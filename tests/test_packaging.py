"""genflow installs one import name: `genflow`. The repository's top-level folders are mapped
below it, so `import tasks` (or flows, storage) fails beside an installed genflow."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["tasks", "flows", "storage"])
def test_only_genflow_is_importable(name: str, tmp_path: Path) -> None:
    # -I: no current folder or PYTHONPATH on sys.path; what remains is what pip installed.
    out = subprocess.run([sys.executable, "-I", "-c", f"import {name}"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and f"No module named '{name}'" in out.stderr
    ok = subprocess.run([sys.executable, "-I", "-c", f"import genflow.{name}"], cwd=tmp_path,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr


def test_every_package_folder_is_listed_in_pyproject() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = setuptools["package-dir"]
    found = set()
    for name, folder in mapping.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            found.add(".".join([name, *rel.parts]))
    assert found == set(setuptools["packages"])


def test_layers_import_downwards_only() -> None:
    """storage never imports tasks or flows; tasks never import flows; core imports nothing."""
    from genflow.storage.hashing import module_closure

    for module in ("genflow.storage.runs", "genflow.storage.parquet", "genflow.storage.samples"):
        assert not [m for m in module_closure(module) if m.startswith(("genflow.tasks",
                                                                        "genflow.flows"))]
    for module in ("genflow.tasks.training.train_tasks", "genflow.tasks.evaluation.evaluate_tasks"):
        assert not [m for m in module_closure(module) if m.startswith("genflow.flows")]
    assert module_closure("genflow.core.errors", "genflow.core.settings") == [
        "genflow", "genflow.core", "genflow.core.errors", "genflow.core.settings"]
