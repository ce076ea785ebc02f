"""The report tables as pandas DataFrames, for analysts: ``from genflow import reports``.

Every reader goes through storage.parquet.read_table, so it sees what DuckDB sees under
``<root>/reports/<table>/`` (hive-partitioned Parquet, schemas in storage.schemas): every
finished part, never a write in progress, and the same rows from a local folder or an
``s3://bucket/prefix`` root. ``root`` is resolved as the CLI resolves it: the argument, else
``$GENFLOW_HOME``, else ``~/.genflow``.

Column types, the same in every table and for an empty table:

- strings with few values (``model``, ``dataset``, ``metric``, ``profile``, ``verdict``,
  ``extractor``, ``run_date``, ...): ``category``;
- timestamps (``started_at``, ``finished_at``, ``ingested_at``): tz-aware UTC,
  ``datetime64[us, UTC]`` (pandas 2 and 3 keep Arrow's microseconds);
- integers that may be null (``seed``, ``eval_seed``, ``predicted_class``): nullable ``Int64``,
  so a missing value never turns the column into floats;
- ``runs.stage_seconds``: a dict {stage: seconds} (or None); list columns hold lists;
  ``samples.image``: 784 bytes, one 28x28 uint8 image, row-major.
"""

from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa

from genflow.core.errors import InputError
from genflow.storage import schemas
from genflow.storage.parquet import read_table
from genflow.storage.root import REPORTS, ArtifactRoot, resolve_root

RootLike = str | os.PathLike[str] | ArtifactRoot | None

# String columns with few distinct values, wherever a table has them.
CATEGORY_COLUMNS = frozenset({
    "run_date", "dataset", "model", "profile", "metric", "extractor", "verdict", "split", "source",
    "status",
})
# latest_metrics: what a row is, then the score with its interval, floor and N; the rest after.
_METRIC_ORDER = ("run_id", "run_date", "profile", "model", "dataset", "metric", "value", "low",
                 "high", "floor", "floor_low", "floor_high", "n", "extractor", "verdict")
_VERDICT_COLUMNS = ["run_id", "run_date", "profile", "model", "dataset", "verdict"]
_NULLABLE_INT = {pa.int64(): pd.Int64Dtype()}


def _root(root: RootLike) -> ArtifactRoot:
    return root if isinstance(root, ArtifactRoot) else resolve_root(root)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A report table's Arrow rows as a DataFrame with the column types in the module docstring.

    Args:
        table: rows of one report table (its storage.schemas schema, partition columns included).

    Returns:
        One row per Arrow row, columns in the table's order.
    """
    frame = table.to_pandas(maps_as_pydicts="strict")
    for field in table.schema:
        name = field.name
        if name in CATEGORY_COLUMNS:
            frame[name] = frame[name].astype("category")
        elif pa.types.is_integer(field.type) and field.nullable:
            frame[name] = table.column(name).to_pandas(types_mapper=_NULLABLE_INT.get)
        elif pa.types.is_timestamp(field.type):
            frame[name] = frame[name].dt.tz_convert("UTC")  # stored UTC; say so in the dtype
    return frame


def table(name: str, root: RootLike = None) -> pd.DataFrame:
    """Every row of report table ``name`` (empty, with its columns, if nothing was written).

    Args:
        name: one of storage.schemas.SCHEMAS: runs, datasets, training_history, samples,
            neighbours, metrics.
        root: the artifact root (local folder or fsspec URL); None for $GENFLOW_HOME/~/.genflow.

    Raises:
        InputError: ``name`` is not a report table.
    """
    if name not in schemas.SCHEMAS:
        raise InputError(f"report table {name!r} does not exist; the tables are "
                         f"{', '.join(sorted(schemas.SCHEMAS))}")
    return to_frame(read_table(_root(root), name))


def runs(root: RootLike = None) -> pd.DataFrame:
    """``runs``: one row per finished run (status completed or failed), in file order."""
    return table(schemas.RUNS_TABLE, root)


def datasets(root: RootLike = None) -> pd.DataFrame:
    """``datasets``: one row per ingested split."""
    return table(schemas.DATASETS_TABLE, root)


def training_history(root: RootLike = None) -> pd.DataFrame:
    """``training_history``: one row per (run, model, compiled call, metric)."""
    return table(schemas.HISTORY_TABLE, root)


def samples(root: RootLike = None) -> pd.DataFrame:
    """``samples``: every generated sample with its image bytes and audit (the largest table)."""
    return table(schemas.SAMPLES_TABLE, root)


def neighbours(root: RootLike = None) -> pd.DataFrame:
    """``neighbours``: each sample's nearest training image and whether it counts as a copy."""
    return table(schemas.NEIGHBOURS_TABLE, root)


def metrics(root: RootLike = None) -> pd.DataFrame:
    """``metrics``: long format, one row per (run, model, dataset, metric)."""
    return table(schemas.METRICS_TABLE, root)


def _one_run(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    rows = frame[frame["run_id"] == run_id].copy()
    for name in rows.columns:
        if isinstance(rows[name].dtype, pd.CategoricalDtype):
            rows[name] = rows[name].cat.remove_unused_categories()
    return rows.sort_values(["model", "dataset", "metric"]).reset_index(drop=True)


def latest_metrics(root: RootLike = None) -> pd.DataFrame:
    """The metrics of the latest run, as ``genflow report latest`` prints them.

    The latest run is the greatest ``run_id`` in ``metrics`` (run ids sort by start time; an
    ``evaluate-images`` audit is a run too). Columns: run_id, run_date, profile, model, dataset,
    metric, value and its 95 % interval (low, high), the real-data floor and its interval
    (floor, floor_low, floor_high; null where a metric has none), n, extractor, verdict, then
    the lineage columns; rows sorted by model, dataset, metric.

    Raises:
        InputError: no metrics were recorded under ``root``.
    """
    art = _root(root)
    frame = metrics(art)
    if frame.empty:
        raise InputError(f"{art.url_of(REPORTS, schemas.METRICS_TABLE)}: no runs recorded yet; "
                         "run `genflow run` first")
    rows = _one_run(frame, frame["run_id"].max())
    return rows[[*_METRIC_ORDER, *(c for c in rows.columns if c not in _METRIC_ORDER)]]


def verdicts(run_id: str, root: RootLike = None) -> pd.DataFrame:
    """Run ``run_id``'s verdict per model: one row per (model, dataset), sorted.

    Columns: run_id, run_date, profile, model, dataset, verdict ("ok" or the flags joined by
    commas, e.g. "collapsed,missing_classes"; null for rows written before verdicts existed).

    Raises:
        InputError: ``run_id`` has no rows in ``metrics``.
    """
    art = _root(root)
    rows = _one_run(metrics(art), run_id)
    if rows.empty:
        raise InputError(f"run {run_id!r} not found in {art.url_of(REPORTS, schemas.METRICS_TABLE)}")
    # Every metric row of one evaluation carries the same verdict: keep one row per model.
    return rows.drop_duplicates(["model", "dataset"])[_VERDICT_COLUMNS].reset_index(drop=True)
