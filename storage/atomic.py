"""Atomic writes: readers see the old file or the whole new one, never a part.

Writes in progress live in ``<root>/.staging/``, never beside the files readers glob (a
``*.parquet`` pattern in DuckDB, pyarrow or Spark matches dot-files too). Local roots then
``os.replace`` the staged file into place (atomic on POSIX, same filesystem). Remote roots
write locally, upload to the staging key and move it to the final key, which object stores
publish in one step; a killed writer leaves only a staging object behind.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from genflow.storage.root import STAGING, ArtifactRoot


@contextlib.contextmanager
def atomic_path(root: ArtifactRoot, *parts: str) -> Iterator[Path]:
    """Yield a local temporary path; on clean exit it becomes ``root.path(*parts)``.

    On an exception the temporary file is removed and the destination is untouched.
    """
    dest = root.path(*parts)
    name = posixpath.basename(dest)
    # Ending in the real name, so suffix-checking writers such as Keras (.keras) accept it.
    staged = f"{uuid.uuid4().hex[:12]}-{name}"
    if root.is_local:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        tmp = Path(root.makedirs(STAGING)) / staged
        try:
            yield tmp
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return
    with tempfile.TemporaryDirectory(prefix="genflow-") as tmpdir:
        tmp = Path(tmpdir) / name
        yield tmp
        remote_tmp = root.path(STAGING, staged)
        root.fs.put_file(str(tmp), remote_tmp)
        try:
            root.fs.mv(remote_tmp, dest)
        finally:
            if root.fs.exists(remote_tmp):
                root.fs.rm(remote_tmp)


def write_bytes(root: ArtifactRoot, data: bytes, *parts: str) -> str:
    """Atomically write ``data`` to ``root.path(*parts)``; return that path."""
    with atomic_path(root, *parts) as tmp:
        tmp.write_bytes(data)
    return root.path(*parts)
