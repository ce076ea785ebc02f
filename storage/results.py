"""Where Prefect persists task results (the cache) for a given root: ``<root>/results``.

A local root gives a plain path. A remote root gives a RemoteFileSystem block, saved on the
Prefect server under a name derived from the root (Prefect only accepts saved blocks as result
storage); it holds the URL only: credentials and endpoint stay in each worker's environment.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from genflow.storage.root import RESULTS, ArtifactRoot

_saved: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def result_storage(root: ArtifactRoot) -> Any:
    """A Prefect result storage below ``root``/results."""
    if root.is_local:
        return Path(root.makedirs(RESULTS))
    from prefect.filesystems import RemoteFileSystem
    from prefect.settings import PREFECT_API_URL

    basepath = f"{root.url.rstrip('/')}/{RESULTS}"
    key = (str(PREFECT_API_URL.value()), basepath)
    with _lock:
        if key not in _saved:
            block = RemoteFileSystem(basepath=basepath)
            name = "genflow-results-" + hashlib.sha256(basepath.encode()).hexdigest()[:16]
            block.save(name, overwrite=True)
            _saved[key] = block
        return _saved[key]
