"""A training process killed with SIGKILL resumes from its checkpoint; the multi-device path
runs on two logical CPUs."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from genflow.storage.root import resolve_root
from genflow.storage.runs import RunStore

REPO = Path(__file__).resolve().parents[2]
STEPS = 30


def _worker(root: Path, csv: Path, steps: int = STEPS) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.training.resume_worker", str(root),
                             str(steps), str(csv)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _checkpoint_step(root: Path) -> int:
    path = root / "models" / "dcgan" / "mnist-resume0000000000" / "checkpoint.npz"
    try:
        return int(np.load(io.BytesIO(path.read_bytes()))["__step__"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.slow
def test_sigkill_then_resume_matches_an_uninterrupted_run(mnist_csv: Path, tmp_path: Path) -> None:
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    proc = _worker(killed, mnist_csv)
    deadline = time.monotonic() + 300
    while _checkpoint_step(killed) < 10:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "no checkpoint within 300 s"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = _checkpoint_step(killed)
    assert 10 <= at_kill < STEPS

    resumed = _worker(killed, mnist_csv)
    reference = _worker(clean, mnist_csv)
    out_resumed, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err[-3000:]
    out_clean, err = reference.communicate(timeout=600)
    assert reference.returncode == 0, err[-3000:]
    assert f"RESUMED_FROM={at_kill} STEPS={STEPS}" in out_resumed
    assert "RESUMED_FROM=0" in out_clean

    a = RunStore.for_run(resolve_root(killed), "dcgan", "mnist", "resume0000000000")
    b = RunStore.for_run(resolve_root(clean), "dcgan", "mnist", "resume0000000000")
    history = a.read_history()
    # one row per compiled call of gcd(10, checkpoint_every 5, grid_every 10) = 5 iterations:
    # no gap, no repeat
    assert sorted({s for s, _, _ in history}) == list(range(5, STEPS + 1, 5))
    assert len(history) == len(b.read_history())
    # Everything (weights, optimiser moments, RNG states, data order) was restored: the
    # resumed run ends exactly where the uninterrupted one does.
    np.testing.assert_allclose([v for *_, v in history], [v for *_, v in b.read_history()],
                               rtol=1e-5)
    z = np.random.default_rng(0).standard_normal((3, 100)).astype(np.float32)
    np.testing.assert_allclose(a.load_keras().predict(z, verbose=0),
                               b.load_keras().predict(z, verbose=0), atol=1e-5)


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus(mnist_csv: Path, tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from genflow.storage.root import resolve_root\n"
        "from genflow.storage.runs import RunStore\n"
        "from genflow.tasks.data.csv_sample import read_label_last_csv\n"
        "from genflow.tasks.data.normalise import scale\n"
        "from genflow.tasks.training import loop\n"
        "from genflow.tasks.training.profiles import make_spec\n"
        "spec = make_spec('dcgan', profile='smoke')\n"
        f"images, _ = read_label_last_csv(Path({str(mnist_csv)!r}))\n"
        f"store = RunStore.for_run(resolve_root({str(tmp_path)!r}), 'dcgan', 'mnist', 'm' * 16)\n"
        "out = loop.train(spec, scale(images[:500], 'symmetric'), None, store, verbose=False)\n"
        "print('DEVICES=' + out.devices)\n"
        "print('FINAL=' + repr(sorted(out.final.items())))\n"
    )
    env = {**os.environ, "GENFLOW_CPU_REPLICAS": "2"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "DEVICES=CPU, 2 replicas" in proc.stdout
    final = eval(proc.stdout.split("FINAL=")[1].strip())  # noqa: S307 - our own repr
    assert all(np.isfinite(v) for _, v in final)
