"""Prepare TFDS ``mnist`` / ``fashion_mnist`` from local IDX .gz files, without a network.

tensorflow-datasets 4.9.10 treats a file as already downloaded when it sits in
``<data_dir>/downloads/<dataset>/<get_dl_fname(url, registered sha256)>`` with a JSON ``.INFO``
beside it; it neither re-hashes nor size-checks it. Debian's repackaged Fashion-MNIST files
differ in their gzip bytes (so ``manual_dir`` rejects them) but decode to the same IDX data, so
placing them there lets ``download_and_prepare`` build the dataset offline. Names and registered
checksums come from TFDS's own tables; nothing is hard-coded but the URLs.
"""

from __future__ import annotations

import json
from pathlib import Path

from genflow.core.errors import DataError, SourceUnavailableError
from genflow.tasks.data.catalog import SPLITS
from genflow.tasks.data.idx import IDX_NAMES, find_idx_file

BASE_URLS = {
    "mnist": "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "fashion_mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}


def place_downloads(dataset: str, idx_dir: Path, data_dir: Path) -> list[Path]:
    """Symlink the four IDX .gz files of ``idx_dir`` where TFDS expects its downloads.

    Returns:
        The placed links (the .INFO files are written beside them).
    """
    from tensorflow_datasets.core.download import checksums, resource  # no TensorFlow import

    infos = checksums.get_all_url_infos()
    target = data_dir / "downloads" / dataset
    target.mkdir(parents=True, exist_ok=True)
    placed = []
    for split in SPLITS:
        for kind in ("images", "labels"):
            src = find_idx_file(idx_dir, split, kind)
            if src.suffix != ".gz":
                raise DataError(f"{src}: TFDS placement needs the gzipped IDX file")
            url = BASE_URLS[dataset] + IDX_NAMES[(split, kind)] + ".gz"
            info = infos[url]
            dst = target / resource.get_dl_fname(url, info.checksum)
            dst.unlink(missing_ok=True)
            dst.symlink_to(src.resolve())
            meta = {"dataset_names": [dataset], "original_fname": src.name,
                    "url_info": {"checksum": info.checksum, "filename": src.name,
                                 "size": int(info.size)},
                    "urls": [url]}
            Path(f"{dst}.INFO").write_text(json.dumps(meta, sort_keys=True))
            placed.append(dst)
    return placed


def prepare_offline(dataset: str, idx_dir: Path, data_dir: Path) -> None:
    """Place the files, then ``download_and_prepare`` with every network path shut.

    Raises:
        SourceUnavailableError: TFDS did not accept a placed file and wanted to download
            (instead of retrying the network for minutes).
    """
    place_downloads(dataset, idx_dir, data_dir)
    import tensorflow_datasets as tfds
    from tensorflow_datasets.core.download import download_manager

    def refuse(self, resource):  # noqa: ANN001 - TFDS's private signature
        raise SourceUnavailableError(f"TFDS wanted to download {resource.url}; placement failed")

    original = download_manager.DownloadManager._download
    download_manager.DownloadManager._download = refuse
    try:
        tfds.builder(dataset, data_dir=str(data_dir)).download_and_prepare(
            download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    finally:
        download_manager.DownloadManager._download = original
