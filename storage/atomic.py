"""Atomic writes: readers see the old file or the whole new one, never a part.

Local roots write a temporary file in the destination folder and ``os.replace`` it into place
(atomic on POSIX). Remote roots write locally, upload under a temporary name and move it, which
object stores make visible in one step.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from genflow.storage.root import ArtifactRoot


@contextlib.contextmanager
def atomic_path(root: ArtifactRoot, *parts: str) -> Iterator[Path]:
    """Yield a local temporary path; on clean exit it becomes ``root.path(*parts)``.

    On an exception the temporary file is removed and the destination is untouched.
    """
    dest = root.path(*parts)
    name = posixpath.basename(dest)
    if root.is_local:
        folder = os.path.dirname(dest)
        os.makedirs(folder, exist_ok=True)
        # Hidden (readers skip dot-files) and ending in the real name, so suffix-checking
        # writers such as Keras (.keras) accept it.
        tmp = Path(folder) / f".tmp-{uuid.uuid4().hex[:12]}-{name}"
        try:
            yield tmp
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return
    with tempfile.TemporaryDirectory(prefix="genflow-") as tmpdir:
        tmp = Path(tmpdir) / name
        yield tmp
        remote_tmp = posixpath.join(posixpath.dirname(dest), f".tmp-{uuid.uuid4().hex[:12]}-{name}")
        root.fs.makedirs(posixpath.dirname(dest), exist_ok=True)
        root.fs.put_file(str(tmp), remote_tmp)
        root.fs.mv(remote_tmp, dest)


def write_bytes(root: ArtifactRoot, data: bytes, *parts: str) -> str:
    """Atomically write ``data`` to ``root.path(*parts)``; return that path."""
    with atomic_path(root, *parts) as tmp:
        tmp.write_bytes(data)
    return root.path(*parts)
