"""bench/gpu.py as a user runs it on a machine without a GPU: one line, exit 0, no training."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from genflow.tasks.training.devices import gpu_present

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(gpu_present(), reason="an NVIDIA GPU is present: the script would train")
def test_no_gpu_says_so_and_exits_0() -> None:
    proc = _run("--iterations", "5")
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("no GPU found: TensorFlow "), proc.stdout
    assert "build" in lines[0] and "nothing trained" in lines[0]


def test_help_is_instant_and_names_the_options() -> None:
    proc = _run("--help")
    assert proc.returncode == 0
    assert "--iterations" in proc.stdout and "--skip-run" in proc.stdout
    # --help exits inside main before TensorFlow's import (which takes seconds)
    code = ("import runpy, sys\n"
            "path, sys.argv = sys.argv[1], [sys.argv[1], '--help']\n"
            "try:\n    runpy.run_path(path, run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('tensorflow' in sys.modules)")
    probe = subprocess.run([sys.executable, "-c", code, str(SCRIPT)], capture_output=True,
                           text=True, timeout=60)
    assert probe.stdout.splitlines()[-1] == "False", probe.stdout + probe.stderr


def test_bad_iterations_is_a_usage_error() -> None:
    proc = _run("--iterations", "0")
    assert proc.returncode == 2 and "--iterations 0" in proc.stderr
