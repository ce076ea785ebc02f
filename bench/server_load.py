"""Runs per minute of one Prefect server under a burst, on SQLite (Prefect's default) and on
PostgreSQL (Debian's, on 127.0.0.1, asyncpg), side by side in one run: the same short
deployment, the same process workers, the same burst of runs submitted at once, both servers
with the API auth string. Prints runs/min, runs lost and database errors in each server's log,
and the PostgreSQL / SQLite ratio.

    .venv/bin/python bench/server_load.py [--workers 4] [--runs 40]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import stop_api_server  # noqa: E402  (sets Prefect's test defaults)
from tests.servers import (  # noqa: E402
    database_errors,
    run_load,
    start_postgres,
    start_production_server,
    stop_postgres,
)


def one(database: str, folder: Path, workers: int, runs: int) -> dict:
    pg, url = start_postgres(folder / "pg") if database == "postgresql" else (None, None)
    try:
        server, env, log = start_production_server(folder, url)
        try:
            out = run_load(env, folder / "load", workers=workers, runs=runs)
            out["errors"] = database_errors(log)  # before the shutdown's own cancellations
        finally:
            stop_api_server(server)
        return out
    finally:
        if pg is not None:
            stop_postgres(pg)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--runs", type=int, default=40)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="genflow-server-load-"))
    results = {db: one(db, tmp / db, args.workers, args.runs) for db in ("sqlite", "postgresql")}
    print(f"{args.runs} runs submitted at once to {args.workers} process workers")
    print(f"{'database':<12}{'completed':>10}{'lost':>6}{'seconds':>9}{'runs/min':>10}{'db errors':>11}")
    for db, r in results.items():
        print(f"{db:<12}{r['completed']:>10}{r['submitted'] - r['found']:>6}{r['seconds']:>9.1f}"
              f"{r['runs_per_minute']:>10.1f}{len(r['errors']):>11}")
        others = sorted({st for st in r["states"] if st != "COMPLETED"})
        if others:
            print(f"    {db}: not completed: " + ", ".join(f"{r['states'].count(st)} {st}" for st in others))
        for line in [e for e in r["errors"] if "Traceback" not in e][:5]:
            print(f"    {db}: {line[:160]}")
    ratio = results["postgresql"]["runs_per_minute"] / results["sqlite"]["runs_per_minute"]
    print(f"PostgreSQL / SQLite runs per minute: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
