"""Content hashes (sha256) for raw inputs, stored outputs and the code that made them."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any

import numpy as np

_CHUNK = 1 << 20


def sha256_file(path: str | Path, fs: Any | None = None) -> str:
    """Hex sha256 of a file's bytes, streamed in 1 MiB chunks (local path, or via ``fs``)."""
    h = hashlib.sha256()
    opener = fs.open if fs is not None else open
    with opener(str(path), "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_arrays(*arrays: np.ndarray) -> str:
    """Hex sha256 over the dtype, shape and C-order bytes of each array in turn."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def sha256_text(*parts: str) -> str:
    """Hex sha256 of the parts joined by NUL (so ("ab","c") differs from ("a","bc"))."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def code_version(*packages: str) -> str:
    """A 16-hex digest of the source of the given packages/modules: changes when code changes.

    Used in cache keys so that editing, say, the IDX parser recomputes what it produced.
    """
    h = hashlib.sha256()
    for name in sorted(packages):
        mod = importlib.import_module(name)
        origin = Path(mod.__file__ or "")
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for f in files:
            h.update(str(f.relative_to(origin.parent.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]
