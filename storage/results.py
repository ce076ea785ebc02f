"""Where Prefect persists task results (the cache) for a given root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genflow.storage.root import RESULTS, ArtifactRoot


def result_storage(root: ArtifactRoot) -> Any:
    """A Prefect result storage below ``root``/results: a Path for local roots (Prefect makes
    a LocalFileSystem of it), a RemoteFileSystem block for fsspec URLs."""
    if root.is_local:
        return Path(root.makedirs(RESULTS))
    from prefect.filesystems import RemoteFileSystem

    return RemoteFileSystem(basepath=f"{root.url.rstrip('/')}/{RESULTS}")
