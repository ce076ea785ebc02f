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


def _modules(package: str) -> list[str]:
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    return [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".")]


def test_layers_import_downwards_only() -> None:
    """core imports nothing of genflow; storage never imports tasks or flows; tasks never
    import flows (read from every module's imports, lazy ones included)."""
    from genflow.storage.hashing import module_closure

    below = {"genflow.core": ("genflow.storage", "genflow.tasks", "genflow.flows", "genflow.cli"),
             "genflow.storage": ("genflow.tasks", "genflow.flows", "genflow.cli"),
             "genflow.tasks": ("genflow.flows", "genflow.cli")}
    checked = 0
    for layer, above in below.items():
        for module in _modules(layer):
            upward = [m for m in module_closure(module) if m.startswith(above)]
            assert not upward, f"{module} imports {upward}"
            checked += 1
    assert checked > 50


def test_the_prefect_that_resolves_is_the_one_declared() -> None:
    """pyproject's range and prefect.yaml's prefect-version say what a fresh install gets."""
    import prefect
    import yaml
    from packaging.requirements import Requirement

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    [spec] = [Requirement(d) for d in deps if Requirement(d).name == "prefect"]
    assert prefect.__version__ in spec.specifier, (prefect.__version__, str(spec.specifier))
    declared = yaml.safe_load((REPO / "prefect.yaml").read_text())["prefect-version"]
    assert declared == prefect.__version__
