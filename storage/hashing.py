"""Content hashes (sha256) for raw inputs, stored outputs and the code that made them."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
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


def _parse(source: str, filename: str) -> ast.Module:
    """ast.parse, again after CPython 3.11's spurious "AST constructor recursion depth
    mismatch" SystemError (a race with other threads, CPython gh-106905; seen in a worker's
    flow run with its heartbeat thread running)."""
    for attempt in range(5):
        try:
            return ast.parse(source, filename)
        except SystemError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def module_closure(*modules: str, package: str = "genflow") -> list[str]:
    """``modules`` and every module of ``package`` they import, directly or not.

    Imports are read from the source (``ast``), including imports inside functions (the lazy
    Keras and TensorFlow imports), so the closure is what the code can run, not what a person
    remembered to list. The given modules are always included (a model builder may live outside
    ``package``); what they import is followed only inside ``package``. Parent packages are
    included: importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__``.
    """
    roots = set(modules)
    seen: set[str] = set()
    stack = list(modules)

    def inside(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    while stack:
        name = stack.pop()
        if name in seen or not (inside(name) or name in roots):
            continue
        spec = _spec(name)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        seen.add(name)
        if inside(name):
            stack += [name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)]
        is_package = spec.submodule_search_locations is not None
        tree = _parse(Path(spec.origin).read_text(encoding="utf-8"), spec.origin)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                stack += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolve against this module's package
                    anchor = name if is_package else name.rsplit(".", 1)[0]
                    anchor = anchor.rsplit(".", node.level - 1)[0] if node.level > 1 else anchor
                    base = f"{anchor}.{base}" if base else anchor
                stack.append(base)
                # "from pkg import module" names a module only when pkg is a package.
                base_spec = _spec(base) if inside(base) else None
                if base_spec is not None and base_spec.submodule_search_locations is not None:
                    stack += [f"{base}.{a.name}" for a in node.names]
    return sorted(seen)


def _spec(name: str) -> Any:
    try:
        return importlib.util.find_spec(name)
    except (ImportError, AttributeError, ValueError):
        return None


@functools.cache
def code_version(*modules: str) -> str:
    """A 16-hex digest of the source of ``modules`` and every genflow module they import.

    Part of every cache key: editing, say, the normalisation that training calls recomputes the
    models trained with it, and an unchanged re-run still hits the cache.
    """
    h = hashlib.sha256()
    for name in module_closure(*modules):
        origin = importlib.util.find_spec(name).origin  # type: ignore[union-attr]
        h.update(name.encode() + b"\x00")
        h.update(Path(origin).read_bytes())
    return h.hexdigest()[:16]
