"""pyproject.toml declares every third-party module genflow imports.

- Fast: every import in the package folders (lazy ones inside functions included) names a
  module whose distribution is in ``[project] dependencies``. Needed beside the slow test:
  Pillow, PyYAML and Keras arrive anyway as dependencies of matplotlib, Prefect and TensorFlow,
  so an undeclared one would still import there.
- Slow: in a fresh venv (no system site-packages) with genflow installed from the repository,
  not editable and without extras, every module under ``genflow.`` imports. It downloads and
  installs TensorFlow, Prefect and the rest, so the package index must be reachable.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE_FOLDERS = ("genflow", "flows", "tasks", "storage")
# What a wheel is built from: the project file, its readme and the package folders it maps.
SOURCES = ("pyproject.toml", "README.md", *PACKAGE_FOLDERS)

IMPORT_ALL = """
import importlib, json, pkgutil, sys, traceback
import genflow
failed = {}
def onerror(name):
    failed[name] = traceback.format_exc(limit=3)
names = ["genflow"] + [m.name for m in pkgutil.walk_packages(genflow.__path__, "genflow.",
                                                             onerror=onerror)]
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=3)
print(json.dumps({"file": genflow.__file__, "modules": names, "failed": failed}))
"""


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_levels() -> dict[str, set[str]]:
    """{top-level module: files importing it} over the package folders, every import statement
    wherever it sits (module level, function bodies, TYPE_CHECKING blocks)."""
    found: dict[str, set[str]] = {}
    for folder in PACKAGE_FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(REPO)))
    return found


def test_every_third_party_import_is_a_declared_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {_normalised(re.match(r"[A-Za-z0-9._-]+", d).group()) for d in project["dependencies"]}
    owners = packages_distributions()
    imported = {m: files for m, files in _imported_top_levels().items()
                if m not in sys.stdlib_module_names and m not in ("__future__", "genflow")}
    assert {"numpy", "PIL", "yaml", "keras"} <= set(imported)  # the walk sees lazy imports too
    missing = {m: sorted(files) for m, files in imported.items()
               if not {_normalised(d) for d in owners.get(m, [])} & declared}
    assert not missing, f"imported but not in [project] dependencies: {missing}"


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_every_module_imports_with_only_the_declared_dependencies(tmp_path: Path) -> None:
    # A copy of what the wheel is built from, so the build never writes build/ or egg-info
    # into the working tree.
    project = tmp_path / "project"
    project.mkdir()
    for name in SOURCES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, project / name)
    env_dir = tmp_path / "venv"
    # uv (which scripts/setup.sh puts beside this interpreter) installs in a quarter of pip's
    # time; either resolves [project] dependencies alone, from PyPI
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    venv.EnvBuilder(with_pip=uv is None, system_site_packages=False, clear=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "GENFLOW_MODEL_PLUGINS")}
    env.update(GENFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               TF_CPP_MIN_LOG_LEVEL="3", PIP_NO_INPUT="1")
    install = ([uv, "pip", "install", "--quiet", "--python", python] if uv
               else [python, "-m", "pip", "install", "--quiet"])
    _run([*install, str(project)], tmp_path, env, 3000)

    # -I: neither the current folder nor PYTHONPATH on sys.path: only what pip installed.
    report = json.loads(_run([python, "-I", "-c", IMPORT_ALL], tmp_path, env, 600)
                        .strip().splitlines()[-1])
    installed = Path(report["file"]).resolve()
    assert installed.is_relative_to(env_dir.resolve()), installed  # not the checkout
    assert not report["failed"], "\n".join(f"{m}:\n{tb}" for m, tb in report["failed"].items())
    modules = set(report["modules"])
    assert {"genflow.reports", "genflow.cli", "genflow.storage.png", "genflow.flows.pipeline",
            "genflow.tasks.models.gan", "genflow.tasks.reporting.pictures"} <= modules
    assert len(modules) > 80, sorted(modules)
    shutil.rmtree(env_dir, ignore_errors=True)  # about 2 GB; kept when the test fails
