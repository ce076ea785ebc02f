"""genflow.reports reads the report tables back as typed DataFrames: rows written with the
project's own row builders and appender (as a run writes them), read from a local folder and
from a non-local fsspec root."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from genflow import reports
from genflow.core.errors import InputError
from genflow.storage import schemas
from genflow.storage.images import images_to_arrow
from genflow.storage.parquet import append_rows
from genflow.storage.root import ArtifactRoot, resolve_root
from genflow.tasks.reporting import tables

OLD, NEW = "20261122T101500Z-aaaaaa", "20261123T184157Z-b23530"
UTC_DTYPES = ("datetime64[ns, UTC]", "datetime64[us, UTC]")


def _metric(metric: str, value: float, floor: float | None = None, **extra: object) -> dict:
    return {"metric": metric, "value": value, "n": 64, "extractor": "domain", "floor": floor,
            **extra}


def _write_metrics(root: ArtifactRoot) -> None:
    """Two runs: OLD (one model, rows from before intervals and verdicts) and NEW (two models
    on two datasets, with intervals, floors, seeds and verdicts)."""
    append_rows(root, schemas.METRICS_TABLE, tables.metric_rows(
        OLD, "2026-11-22", "mnist", "dcgan", "smoke", [_metric("fid", 90.0, 5.0)]))
    append_rows(root, schemas.METRICS_TABLE, tables.metric_rows(
        NEW, "2026-11-23", "mnist", "dcgan", "quick",
        [_metric("fid", 65.7, 6.9, low=57.8, high=73.5, floor_low=2.9, floor_high=10.8),
         _metric("recall", 0.91, 0.95, low=0.89, high=0.93, floor_low=0.93, floor_high=0.97)],
        train_key="k1", seed=0, eval_seed=7, verdict="ok"))
    append_rows(root, schemas.METRICS_TABLE, tables.metric_rows(
        NEW, "2026-11-23", "fashion_mnist", "fashion_dcgan", "quick",
        [_metric("fid", 280.9, 7.1, low=273.6, high=288.2, floor_low=3.0, floor_high=11.0),
         _metric("copy_rate", 0.0)],
        train_key="k2", seed=0, eval_seed=7, verdict="collapsed,missing_classes"))


def _assert_category(frame: pd.DataFrame, *columns: str) -> None:
    for c in columns:
        assert isinstance(frame[c].dtype, pd.CategoricalDtype), (c, frame[c].dtype)


def test_metrics_are_typed(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    _write_metrics(root)
    frame = reports.metrics(tmp_path)
    assert list(frame.columns) == schemas.METRICS.names and len(frame) == 5
    _assert_category(frame, "run_date", "dataset", "model", "profile", "metric", "extractor",
                     "verdict")
    assert set(frame["model"].cat.categories) == {"dcgan", "fashion_dcgan"}
    assert str(frame["value"].dtype) == "float64" and str(frame["n"].dtype) == "int64"
    # Nullable integers stay integers: OLD has no seeds.
    assert str(frame["seed"].dtype) == "Int64" and str(frame["eval_seed"].dtype) == "Int64"
    old = frame[frame["run_id"] == OLD].iloc[0]
    assert old["seed"] is pd.NA and pd.isna(old["verdict"]) and pd.isna(old["low"])
    assert sorted(frame["eval_seed"].dropna().tolist()) == [7, 7, 7, 7]


def test_latest_metrics_is_the_latest_run_with_floors_and_intervals(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    _write_metrics(root)
    latest = reports.latest_metrics(root)
    assert set(latest["run_id"]) == {NEW} and len(latest) == 4
    assert list(latest.columns[:15]) == ["run_id", "run_date", "profile", "model", "dataset",
                                         "metric", "value", "low", "high", "floor", "floor_low",
                                         "floor_high", "n", "extractor", "verdict"]
    assert sorted(latest.columns) == sorted(schemas.METRICS.names)
    # Sorted by model, dataset, metric; categories only what this run holds.
    assert list(zip(latest["model"], latest["metric"], strict=True)) == [
        ("dcgan", "fid"), ("dcgan", "recall"), ("fashion_dcgan", "copy_rate"),
        ("fashion_dcgan", "fid")]
    assert list(latest["profile"].cat.categories) == ["quick"]
    assert list(latest["run_date"].cat.categories) == ["2026-11-23"]
    fid = latest[(latest["model"] == "dcgan") & (latest["metric"] == "fid")].iloc[0]
    assert (fid["value"], fid["low"], fid["high"]) == (65.7, 57.8, 73.5)
    assert (fid["floor"], fid["floor_low"], fid["floor_high"]) == (6.9, 2.9, 10.8)
    assert fid["n"] == 64 and fid["verdict"] == "ok"
    copy_rate = latest[latest["metric"] == "copy_rate"].iloc[0]
    assert pd.isna(copy_rate["floor"]) and pd.isna(copy_rate["low"])


def test_verdicts_one_row_per_model(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    _write_metrics(root)
    got = reports.verdicts(NEW, tmp_path)
    assert list(got.columns) == ["run_id", "run_date", "profile", "model", "dataset", "verdict"]
    assert got[["model", "dataset", "verdict"]].astype(str).values.tolist() == [
        ["dcgan", "mnist", "ok"],
        ["fashion_dcgan", "fashion_mnist", "collapsed,missing_classes"]]
    _assert_category(got, "model", "dataset", "profile", "verdict")
    assert set(got["verdict"].cat.categories) == {"ok", "collapsed,missing_classes"}
    old = reports.verdicts(OLD, tmp_path)
    assert len(old) == 1 and pd.isna(old["verdict"].iloc[0])  # written before verdicts existed
    with pytest.raises(InputError, match="run 'nope' not found in .*reports/metrics"):
        reports.verdicts("nope", tmp_path)


def test_runs_have_utc_timestamps_and_stage_seconds(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    started = dt.datetime(2026, 11, 23, 18, 41, 57, 123456, tzinfo=dt.UTC)
    finished = started + dt.timedelta(minutes=3)
    append_rows(root, schemas.RUNS_TABLE, tables.run_row(
        NEW, "2026-11-23", None, "quick", "{}", "v", "{}", started, finished, "completed", None,
        {"train": 120.5, "evaluate": 30.0}), NEW)
    append_rows(root, schemas.RUNS_TABLE, tables.run_row(
        OLD, "2026-11-22", "fr-1", "smoke", "{}", "v", "{}", started - dt.timedelta(days=1),
        finished - dt.timedelta(days=1), "failed", "boom"), OLD)
    frame = reports.runs(root).sort_values("run_id").reset_index(drop=True)
    for c in ("started_at", "finished_at"):
        assert str(frame[c].dtype) in UTC_DTYPES, frame[c].dtype
    assert frame["started_at"].iloc[1] == pd.Timestamp(started)  # microseconds kept
    assert frame["started_at"].iloc[1].tzname() == "UTC"
    assert (frame["finished_at"] - frame["started_at"]).dt.total_seconds().tolist() == [180, 180]
    _assert_category(frame, "run_date", "profile", "status")
    assert frame["status"].astype(str).tolist() == ["failed", "completed"]
    assert frame["stage_seconds"].tolist() == [None, {"evaluate": 30.0, "train": 120.5}]
    assert frame["error"].tolist()[0] == "boom" and pd.isna(frame["flow_run_id"].iloc[1])


def test_samples_neighbours_history_and_datasets(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    images = np.arange(3 * 784, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28, 1)
    neighbours = pa.table({"index": [0, 1, 2], "predicted_class": pa.array([3, None, 5], pa.int64()),
                           "nn_index": [10, 11, 12], "nn_distance": [0.5, 0.01, 0.7],
                           "is_copy": [False, True, False]})
    append_rows(root, schemas.SAMPLES_TABLE, tables.sample_rows(
        NEW, "2026-11-23", "mnist", "dcgan", images_to_arrow(images), neighbours, "k1", 0))
    append_rows(root, schemas.NEIGHBOURS_TABLE, tables.neighbour_rows(
        NEW, "2026-11-23", "mnist", "dcgan", neighbours, "k1", 0))
    history = pa.table({"step": [10, 10, 20], "metric": ["d_loss", "g_loss", "d_loss"],
                        "value": [1.4, 0.7, 1.2]})
    append_rows(root, schemas.HISTORY_TABLE, tables.history_rows(
        NEW, "2026-11-23", "mnist", "dcgan", "k1", history))
    append_rows(root, schemas.DATASETS_TABLE, pa.Table.from_pylist([{
        "dataset": "mnist", "split": "train", "source": "csv", "is_sample": True,
        "raw_files": [{"file": "/x.csv.gz", "sha256": "0" * 64}], "path": "datasets/x.parquet",
        "content_sha256": "1" * 64, "n_images": 20, "class_counts": [2] * 10,
        "code_version": "v", "ingested_at": dt.datetime(2026, 11, 22, 8, tzinfo=dt.UTC)}],
        schema=schemas.DATASETS))

    got = reports.samples(root).sort_values("sample_index").reset_index(drop=True)
    _assert_category(got, "run_date", "dataset", "model")
    assert str(got["predicted_class"].dtype) == "Int64"
    assert got["predicted_class"].tolist() == [3, pd.NA, 5]
    assert got["image"].iloc[2] == images[2].tobytes()
    near = reports.neighbours(root).sort_values("sample_index").reset_index(drop=True)
    _assert_category(near, "run_date", "dataset", "model", "metric")
    assert near["is_copy"].dtype == bool and near["is_copy"].tolist() == [False, True, False]
    assert near["metric"].astype(str).tolist() == ["mae"] * 3
    hist = reports.training_history(root)
    _assert_category(hist, "metric", "model")
    assert set(hist["metric"].cat.categories) == {"d_loss", "g_loss"}
    assert sorted(hist["value"]) == [0.7, 1.2, 1.4]
    data = reports.datasets(root)
    _assert_category(data, "dataset", "split", "source")
    assert str(data["ingested_at"].dtype) in UTC_DTYPES
    assert data["ingested_at"].iloc[0] == pd.Timestamp("2026-11-22 08:00", tz="UTC")
    assert data["class_counts"].iloc[0].tolist() == [2] * 10


def test_empty_root_keeps_the_types_and_latest_metrics_says_so(tmp_path: Path) -> None:
    frame = reports.runs(tmp_path)
    assert frame.empty and list(frame.columns) == schemas.RUNS.names
    assert str(frame["started_at"].dtype) in UTC_DTYPES
    _assert_category(frame, "profile", "status")
    assert str(reports.metrics(tmp_path)["seed"].dtype) == "Int64"
    with pytest.raises(InputError, match="reports/metrics: no runs recorded yet"):
        reports.latest_metrics(tmp_path)
    with pytest.raises(InputError, match="report table 'metric' does not exist"):
        reports.table("metric", tmp_path)


def test_reads_a_non_local_root() -> None:
    """An fsspec URL root (in-memory here; tests/remote covers a real S3 server) reads through
    the same storage readers as a local folder."""
    url = f"memory://genflow-test/{uuid.uuid4().hex[:10]}"
    root = resolve_root(url)
    assert not root.is_local
    try:
        _write_metrics(root)
        latest = reports.latest_metrics(url)
        assert set(latest["run_id"]) == {NEW} and len(latest) == 4
        _assert_category(latest, "model", "metric")
        assert reports.verdicts(NEW, url)["verdict"].astype(str).tolist() == [
            "ok", "collapsed,missing_classes"]
    finally:
        root.fs.rm(root.base, recursive=True)
