"""Parquet IO with explicit schemas: atomic single files and append-only report tables.

Report tables live in ``reports/<table>/<col>=<value>/part-<utc>-<uuid>.parquet``. Every append
writes a new file atomically, so concurrent writers never touch each other's rows and a reader
never sees a half-written file (temporary files start with '.', which readers ignore).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from genflow.core.errors import InputError
from genflow.storage import schemas
from genflow.storage.atomic import atomic_path
from genflow.storage.root import REPORTS, ArtifactRoot, check_name

COMPRESSION = "zstd"


def _arrow_fs(root: ArtifactRoot) -> pafs.FileSystem:
    if root.is_local:
        return pafs.LocalFileSystem()
    return pafs.PyFileSystem(pafs.FSSpecHandler(root.fs))


def write_parquet(root: ArtifactRoot, table: pa.Table, *parts: str) -> str:
    """Atomically write ``table`` (zstd) to ``root.path(*parts)``; return that path."""
    with atomic_path(root, *parts) as tmp:
        pq.write_table(table, tmp, compression=COMPRESSION)
    return root.path(*parts)


def read_parquet(root: ArtifactRoot, *parts: str, schema: pa.Schema | None = None) -> pa.Table:
    """Read one Parquet file; if ``schema`` is given, check the columns and types match it."""
    path = root.path(*parts)
    if not root.fs.exists(path):
        raise InputError(f"{path}: no such Parquet file")
    table = pq.read_table(path, filesystem=_arrow_fs(root))
    if schema is not None and not table.schema.equals(schema, check_metadata=False):
        raise InputError(f"{path}: schema {table.schema} does not match the expected {schema}")
    return table


def append_rows(root: ArtifactRoot, table_name: str, rows: pa.Table, name: str | None = None) -> str:
    """Append ``rows`` to report table ``table_name`` as one new file; return its path.

    The rows must match the table's schema in storage.schemas; rows with more than one value
    of a partition column are refused (callers append one partition at a time). A ``name``
    makes the part file deterministic, so a retried write replaces its own earlier attempt
    instead of duplicating rows.
    """
    schema = schemas.SCHEMAS[table_name]
    rows = rows.select(schema.names).cast(schema)
    folders = []
    for col in schemas.PARTITIONS.get(table_name, ()):
        values = set(rows.column(col).to_pylist())
        if len(values) != 1:
            raise ValueError(f"append to {table_name}: column {col} must hold one value")
        folders.append(f"{col}={check_name(str(values.pop()), col)}")
    if name is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"part-{stamp}-{uuid.uuid4().hex[:12]}.parquet"
    else:
        name = f"part-{check_name(name, 'part name')}.parquet"
    # Hive style: partition values live in the folder names, not in the file.
    body = rows.drop_columns(list(schemas.PARTITIONS.get(table_name, ())))
    return write_parquet(root, body, REPORTS, table_name, *folders, name)


def read_table(root: ArtifactRoot, table_name: str) -> pa.Table:
    """Read every part of report table ``table_name`` (empty table if nothing was written)."""
    schema = schemas.SCHEMAS[table_name]
    folder = root.path(REPORTS, table_name)
    if not root.fs.exists(folder):
        return schema.empty_table()
    partitions = schemas.PARTITIONS.get(table_name, ())
    part_schema = pa.schema([schema.field(c) for c in partitions])
    dataset = pads.dataset(
        folder,
        schema=schema,
        format="parquet",
        filesystem=_arrow_fs(root),
        partitioning=pads.partitioning(part_schema, flavor="hive") if partitions else None,
    )
    return dataset.to_table()
