"""Readers never see a half-written file: a report part in progress, or the leftover of a writer
killed mid-write, is staged where no `*.parquet` glob over the tables looks (DuckDB's glob
matches dot-files, so a hidden name beside the parts would not do). The README's DuckDB query
runs while a writer is mid-write and after it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from genflow.storage.parquet import append_rows
from genflow.storage.root import resolve_root
from genflow.tasks.reporting.tables import metric_rows

WRITER = """
import sys, time
from genflow.storage.atomic import atomic_path
from genflow.storage.root import resolve_root
root = resolve_root(sys.argv[1])
with atomic_path(root, "reports", "metrics", "run_date=2026-11-23", "dataset=mnist",
                 "part-inflight.parquet") as tmp:
    tmp.write_bytes(b"PAR1 half a file")
    print(tmp, flush=True)
    time.sleep(600)
"""

README_QUERY = """
    SELECT model, dataset, value AS fid, floor, n
    FROM read_parquet('{reports}/metrics/*/*/*.parquet', hive_partitioning=true)
    WHERE metric = 'fid'
    QUALIFY row_number() OVER (PARTITION BY model, dataset ORDER BY run_id DESC) = 1
    ORDER BY model"""


def test_duckdb_never_reads_a_write_in_progress(tmp_path: Path) -> None:
    root = resolve_root(tmp_path / "root")
    row = {"metric": "fid", "value": 3.0, "n": 64, "extractor": "domain", "floor": 1.0}
    append_rows(root, "metrics", metric_rows("20261123T000000Z-aaaaaa", "2026-11-23", "mnist",
                                             "dcgan", "smoke", [row]))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, root.url], stdout=subprocess.PIPE,
                              text=True)
    staged = Path(writer.stdout.readline().strip())  # the writer is now mid-write
    try:
        assert staged.is_file() and "reports" not in staged.relative_to(root.url).parts
        query = README_QUERY.format(reports=Path(root.url) / "reports")
        assert duckdb.sql(query).fetchall() == [("dcgan", "mnist", 3.0, 1.0, 64)]
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    time.sleep(0.2)
    assert staged.is_file()  # the killed writer's leftover stays in staging...
    assert duckdb.sql(query).fetchall() == [("dcgan", "mnist", 3.0, 1.0, 64)]  # ...unread
    parts = list((Path(root.url) / "reports").rglob("*"))
    assert not [p for p in parts if p.is_file() and not p.name.startswith("part-")]
