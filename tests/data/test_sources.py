"""Source resolution, including `auto` falling back without waiting on the network."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from genflow.core.errors import DataError, InputError, SourceUnavailableError
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.network import tfds_reachable
from genflow.tasks.data.sources import locate


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No IDX mirror, no CSV sample unless a test sets one."""
    monkeypatch.delenv("GENFLOW_IDX_DIR", raising=False)
    monkeypatch.setenv("GENFLOW_SAMPLE_CSV", str(tmp_path / "absent.csv.gz"))
    return tmp_path / "tfds"


def test_explicit_idx(isolated: Path, fashion_idx_dir: Path) -> None:
    src = locate(IngestConfig(dataset="fashion_mnist", source="idx", path=str(fashion_idx_dir)),
                 isolated)
    assert src.kind == "idx" and len(src.files) == 4


def test_explicit_idx_missing_folder(isolated: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="nope: not a folder of IDX files"):
        locate(IngestConfig(dataset="mnist", source="idx", path=str(tmp_path / "nope")), isolated)


def test_idx_without_path_and_no_default(isolated: Path) -> None:
    with pytest.raises(InputError, match="needs --path"):
        locate(IngestConfig(dataset="mnist", source="idx"), isolated)


def test_auto_prefers_idx_mirror(isolated: Path, fashion_idx_dir: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "fashion_mnist").symlink_to(fashion_idx_dir)
    monkeypatch.setenv("GENFLOW_IDX_DIR", str(mirror))
    src = locate(IngestConfig(dataset="fashion_mnist"), isolated)
    assert src.kind == "idx" and src.location == str(mirror / "fashion_mnist")


def test_auto_uses_debian_path_for_fashion(isolated: Path, fashion_idx_dir: Path) -> None:
    src = locate(IngestConfig(dataset="fashion_mnist"), isolated)
    assert src.kind == "idx" and Path(src.location) == fashion_idx_dir


def test_auto_falls_back_to_sample_quickly(isolated: Path, mnist_csv: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("GENFLOW_SAMPLE_CSV", str(mnist_csv))
    start = time.perf_counter()
    src = locate(IngestConfig(dataset="mnist"), isolated)
    elapsed = time.perf_counter() - start
    if src.kind == "tfds":  # a machine with internet may legitimately download instead
        pytest.skip("TFDS reachable here: auto downloaded full MNIST")
    assert src.kind == "csv" and src.location == str(mnist_csv)
    assert "5,000-DIGIT MNIST SAMPLE" in caplog.text
    assert elapsed < 5.0, f"auto waited {elapsed:.1f}s"


def test_a_look_up_never_downloads(isolated: Path, mnist_csv: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """download=False (the chain's check for a complete ingest): None wherever a TFDS download
    would be the answer, never the CSV sample instead of a download the flow would make."""
    from genflow.tasks.data import sources

    def no_download(*_a, **_k):
        raise AssertionError("a look-up downloaded")

    monkeypatch.setattr(sources.tfds_source, "download_and_prepare", no_download)
    monkeypatch.setenv("GENFLOW_SAMPLE_CSV", str(mnist_csv))
    assert locate(IngestConfig(dataset="mnist", source="tfds"), isolated, download=False) is None
    monkeypatch.setattr(sources, "tfds_reachable", lambda: True)  # a machine online
    assert locate(IngestConfig(dataset="mnist"), isolated, download=False) is None
    monkeypatch.setattr(sources, "tfds_reachable", lambda: False)  # offline: the sample
    assert locate(IngestConfig(dataset="mnist"), isolated, download=False).kind == "csv"


def test_auto_with_nothing_available_explains(isolated: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(SourceUnavailableError, match="tried prepared TFDS data") as err:
        locate(IngestConfig(dataset="mnist", allow_download=False), isolated)
    assert "fetch-offline-data.sh" in str(err.value)
    assert time.perf_counter() - start < 1.0


def test_probe_is_bounded() -> None:
    start = time.perf_counter()
    tfds_reachable(timeout=1.0)
    assert time.perf_counter() - start < 1.5


def test_ingestion_path_never_imports_tensorflow(fashion_idx_dir: Path, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from genflow.tasks.data.config import IngestConfig\n"
        "from genflow.tasks.data.sources import locate\n"
        "from genflow.tasks.data.ingest import read_raw_split\n"
        f"cfg = IngestConfig(dataset='fashion_mnist', source='idx', path={str(fashion_idx_dir)!r})\n"
        f"raw = locate(cfg, Path({str(tmp_path)!r}))\n"
        "images, labels = read_raw_split(raw, 'test', cfg)\n"
        "assert images.shape == (10000, 28, 28, 1)\n"
        "print('tensorflow' in sys.modules, 'tensorflow_datasets' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
