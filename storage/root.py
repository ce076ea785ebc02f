"""The artifact root: where it is, its documented layout, and paths that cannot escape it.

Layout below the root (``--root``, else ``$GENFLOW_HOME``, else ``~/.genflow``)::

    raw/           raw inputs genflow fetched itself (raw/tfds: TFDS data_dir)
    datasets/      normalised datasets: datasets/<dataset>/<split>-<key>.parquet
    models/        trained models, checkpoints and training history
    samples/       generated sample sets and their PNG grids
    reports/       analyst tables (hive-partitioned Parquet) and HTML reports
    results/       Prefect's persisted task results (the cache)
    prefect/       PREFECT_HOME for local use, unless the user set one
    .staging/      writes in progress (published by a rename or a copy; no reader looks here)

A root can be a local folder or an fsspec URL (``s3://bucket/prefix``; credentials and endpoint
from the usual AWS variables). What needs a local file (Keras, TFDS) uses ``working_dir``:
below a local root itself, else a local cache folder for the remote root.
"""

from __future__ import annotations

import functools
import hashlib
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from genflow.core.errors import InputError, PathEscapeError

DEFAULT_ROOT = "~/.genflow"
ROOT_ENV = "GENFLOW_HOME"

RAW = "raw"
DATASETS = "datasets"
MODELS = "models"
SAMPLES = "samples"
REPORTS = "reports"
RESULTS = "results"
PREFECT = "prefect"
STAGING = ".staging"
LAYOUT = (RAW, DATASETS, MODELS, SAMPLES, REPORTS, RESULTS, PREFECT)
CACHE_ENV = "GENFLOW_CACHE"
DEFAULT_CACHE = "~/.cache/genflow"
# Object stores whose fsspec filesystems cache directory listings: other processes write the
# same root, so listings are always read fresh.
_LISTING_CACHES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss")

# Names that users and run ids contribute to paths: one path component, no leading dot.
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=-]{0,127}$")


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is safe as a single path component, else raise PathEscapeError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise PathEscapeError(
            f"{what} {name!r} is not allowed: use letters, digits, '_', '-', '.', '=' "
            "(no '/', no '..', no leading dot)"
        )
    return name


@dataclass(frozen=True)
class ArtifactRoot:
    """A root folder (local path or fsspec URL) and the filesystem that serves it.

    Attributes:
        url: the root as given, made absolute for local paths.
        fs: the fsspec filesystem object.
        base: the root path as the filesystem spells it (no protocol).
    """

    url: str
    fs: Any = field(repr=False)
    base: str

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def path(self, *parts: str) -> str:
        """Join ``parts`` below the root; raise PathEscapeError if the result leaves it.

        Each part may hold '/'-separated components; absolute parts, '..' and empty components
        are refused rather than normalised away, so a crafted run name fails loudly.
        """
        comps: list[str] = []
        for part in parts:
            if not isinstance(part, str) or part.startswith(("/", "\\")) or "\x00" in part:
                raise PathEscapeError(f"path part {part!r} must be relative to the root")
            for comp in part.replace("\\", "/").split("/"):
                if comp in ("", "."):
                    continue
                if comp == "..":
                    raise PathEscapeError(f"path {'/'.join(parts)!r} would leave the root")
                comps.append(comp)
        joined = posixpath.join(self.base, *comps) if comps else self.base
        if not (joined == self.base or joined.startswith(self.base.rstrip("/") + "/")):
            raise PathEscapeError(f"path {'/'.join(parts)!r} would leave the root")
        return joined

    def local(self, *parts: str) -> Path:
        """The local filesystem path of ``parts``; only for local roots."""
        if not self.is_local:
            raise InputError(f"root {self.url} is not local; this step needs a local folder")
        return Path(self.path(*parts))

    def working_dir(self, *parts: str) -> Path:
        """A local folder for tools that need one (TFDS's data_dir, Keras files): below a local
        root itself, else below the local cache (``$GENFLOW_CACHE``, ``~/.cache/genflow``) in a
        folder of this remote root's own."""
        if self.is_local:
            folder = self.local(*parts)
        else:
            tag = hashlib.sha256(self.url.encode()).hexdigest()[:16]
            cache = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()
            folder = cache / "remote" / tag
            for part in parts:
                folder = folder / check_name(part, "folder")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def url_of(self, *parts: str) -> str:
        """Where ``parts`` is, as a user would type it: a local path or ``protocol://...``."""
        path = self.path(*parts)
        if self.is_local:
            return path
        protocol = self.url.split("://", 1)[0]
        return f"{protocol}://{path}"

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.exists(self.path(*parts)))

    def makedirs(self, *parts: str) -> str:
        p = self.path(*parts)
        self.fs.makedirs(p, exist_ok=True)
        return p

    def relative(self, full: str) -> str:
        """The part of ``full`` below the root (for records that must survive a moved root)."""
        prefix = self.base.rstrip("/") + "/"
        if not full.startswith(prefix):
            raise PathEscapeError(f"{full!r} is not below the root {self.base!r}")
        return full[len(prefix):]


def resolve_root(root: str | os.PathLike[str] | None = None) -> ArtifactRoot:
    """Resolve the artifact root: explicit argument, then $GENFLOW_HOME, then ~/.genflow.

    Local roots are created if missing. Raises InputError if a local root exists as a file.
    """
    raw = str(root) if root is not None else os.environ.get(ROOT_ENV) or DEFAULT_ROOT
    if "://" not in raw:
        local = Path(raw).expanduser().resolve()
        if local.exists() and not local.is_dir():
            raise InputError(f"root {local} exists and is not a directory")
        local.mkdir(parents=True, exist_ok=True)
        return ArtifactRoot(url=str(local), fs=LocalFileSystem(), base=str(local))
    return _remote_root(raw.rstrip("/"))


def _one_line(e: BaseException) -> str:
    return " ".join(f"{type(e).__name__}: {e}".split())[:300]


@functools.lru_cache(maxsize=32)
def _remote_root(url: str) -> ArtifactRoot:
    """Open and check a remote root once per process: the bucket must exist and answer."""
    protocol = url.split("://", 1)[0]
    options = {"use_listings_cache": False} if protocol in _LISTING_CACHES else {}
    try:
        fs, base = fsspec.core.url_to_fs(url, **options)
    except (ValueError, ImportError) as e:
        raise InputError(f"root {url}: cannot open it ({_one_line(e)})") from None
    base = base.rstrip("/")
    if not base:
        raise InputError(f"root {url}: needs a bucket (and optionally a prefix)")
    bucket = base.split("/", 1)[0]
    try:
        reachable = fs.exists(bucket)
    except Exception as e:  # credentials, endpoint, network: all the user's to fix
        raise InputError(f"root {url}: cannot reach bucket {bucket!r} ({_one_line(e)})") from None
    if not reachable:
        raise InputError(f"root {url}: bucket {bucket!r} does not exist or is not visible "
                         "with these credentials")
    return ArtifactRoot(url=url, fs=fs, base=base)
