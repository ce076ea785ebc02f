"""Rows of the report tables (schemas in storage.schemas), built from stage records: pure."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pyarrow as pa

from genflow.storage import schemas


def _table(schema: pa.Schema, columns: dict[str, object], n: int) -> pa.Table:
    arrays = []
    for field in schema:
        value = columns[field.name]
        if isinstance(value, pa.ChunkedArray):
            value = value.combine_chunks()
        if isinstance(value, pa.Array):
            arrays.append(value.cast(field.type))
        elif isinstance(value, np.ndarray | list):
            arrays.append(pa.array(value, field.type))
        else:
            arrays.append(pa.array([value] * n, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def new_run_id(now: dt.datetime) -> str:
    """``YYYYMMDDTHHMMSSZ-xxxxxx``: sorts by start time, unique across concurrent runs."""
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def run_row(run_id: str, run_date: str, flow_run_id: str | None, profile: str, config_json: str,
            code_version: str, package_versions: str, started: dt.datetime,
            finished: dt.datetime, status: str, error: str | None,
            stage_seconds: dict[str, float] | None = None) -> pa.Table:
    return pa.Table.from_pylist([{
        "run_date": run_date, "run_id": run_id, "flow_run_id": flow_run_id, "profile": profile,
        "config_json": config_json, "code_version": code_version,
        "package_versions": package_versions, "started_at": started, "finished_at": finished,
        "status": status, "error": error,
        "stage_seconds": None if stage_seconds is None else sorted(stage_seconds.items())}],
        schema=schemas.RUNS)


def history_rows(run_id: str, run_date: str, dataset: str, model: str, train_key: str,
                 history: pa.Table) -> pa.Table:
    n = history.num_rows
    return _table(schemas.TRAINING_HISTORY, {
        "run_date": run_date, "dataset": dataset, "run_id": run_id, "model": model,
        "train_key": train_key, "step": history.column("step"),
        "metric": history.column("metric"), "value": history.column("value")}, n)


def sample_rows(run_id: str, run_date: str, dataset: str, model: str, images: pa.Array,
                neighbours: pa.Table, train_key: str | None = None,
                seed: int | None = None) -> pa.Table:
    n = neighbours.num_rows
    return _table(schemas.SAMPLES, {
        "run_date": run_date, "dataset": dataset, "run_id": run_id, "model": model,
        "train_key": train_key, "seed": seed,
        "sample_index": neighbours.column("index"), "image": images.slice(0, n),
        "predicted_class": neighbours.column("predicted_class"),
        "nn_index": neighbours.column("nn_index"),
        "nn_distance": neighbours.column("nn_distance")}, n)


def neighbour_rows(run_id: str, run_date: str, dataset: str, model: str,
                   neighbours: pa.Table, train_key: str | None = None,
                   seed: int | None = None) -> pa.Table:
    n = neighbours.num_rows
    return _table(schemas.NEIGHBOURS, {
        "run_date": run_date, "dataset": dataset, "run_id": run_id, "model": model,
        "train_key": train_key, "seed": seed,
        "sample_index": neighbours.column("index"), "train_index": neighbours.column("nn_index"),
        "distance": neighbours.column("nn_distance"), "metric": "mae",
        "is_copy": neighbours.column("is_copy")}, n)


def metric_rows(run_id: str, run_date: str, dataset: str, model: str, profile: str,
                metrics: list[dict], train_key: str | None = None,
                seed: int | None = None, eval_seed: int | None = None,
                verdict: str | None = None) -> pa.Table:
    def opt(m: dict, key: str) -> float | None:
        return None if m.get(key) is None else float(m[key])

    return pa.Table.from_pylist([{
        "run_date": run_date, "dataset": dataset, "run_id": run_id, "model": model,
        "train_key": train_key, "seed": seed, "eval_seed": eval_seed, "verdict": verdict,
        "profile": profile, "metric": m["metric"], "value": float(m["value"]), "n": int(m["n"]),
        "extractor": m["extractor"], "floor": opt(m, "floor"), "low": opt(m, "low"),
        "high": opt(m, "high"), "floor_low": opt(m, "floor_low"),
        "floor_high": opt(m, "floor_high"), "extractor_key": m.get("extractor_key"),
    } for m in metrics], schema=schemas.METRICS)
