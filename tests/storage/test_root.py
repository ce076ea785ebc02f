from __future__ import annotations

from pathlib import Path

import pytest

from genflow.core.errors import InputError, PathEscapeError
from genflow.storage.root import DEFAULT_ROOT, check_name, resolve_root


def test_explicit_root_is_created_and_absolute(tmp_path: Path) -> None:
    root = resolve_root(tmp_path / "a" / "b")
    assert Path(root.url).is_dir() and Path(root.url).is_absolute()
    assert root.path("datasets", "mnist") == str(tmp_path / "a" / "b" / "datasets" / "mnist")


def test_env_root_used_when_no_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENFLOW_HOME", str(tmp_path / "env-root"))
    assert resolve_root(None).url == str(tmp_path / "env-root")
    monkeypatch.delenv("GENFLOW_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_root(None).url == str(Path(DEFAULT_ROOT.replace("~", str(tmp_path / "home"))))


def test_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        resolve_root(f)


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "/etc/passwd", "a/\x00", "..", "\\abs"])
def test_paths_cannot_escape(tmp_path: Path, bad: str) -> None:
    root = resolve_root(tmp_path)
    with pytest.raises(PathEscapeError):
        root.path("models", bad)


@pytest.mark.parametrize("bad", ["", ".hidden", "a/b", "..", "x..y", "a b", "run\n"])
def test_check_name_refuses_unsafe_names(bad: str) -> None:
    with pytest.raises(PathEscapeError):
        check_name(bad, "run name")


def test_check_name_accepts_plain_names() -> None:
    assert check_name("run-2026_11.22", "run") == "run-2026_11.22"


def test_relative_round_trip(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    full = root.path("reports", "metrics")
    assert root.relative(full) == "reports/metrics"
    with pytest.raises(PathEscapeError):
        root.relative("/elsewhere/x")
