"""A production-like Prefect server for the server tier and bench/server_load.py: Debian's
PostgreSQL 15 started on 127.0.0.1 in a temporary cluster (as the ``postgres`` user when run
as root: PostgreSQL refuses root), and ``prefect server start`` on it with an API auth string."""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.conftest import start_api_server

AUTH = "genflow-ops:correct-horse-battery-staple"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    assert found[-1], f"PostgreSQL's {name} missing: apt-get install postgresql (scripts/setup.sh --dev)"
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def start_postgres(folder: Path) -> tuple[subprocess.Popen, str]:
    """A fresh cluster with a ``prefect`` database: (process, asyncpg URL). As root, the cluster
    lives in a folder of its own under /tmp owned by ``postgres`` (pytest's folders are private
    to root); ``folder`` links to it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        cluster = Path(tempfile.mkdtemp(prefix="genflow-pg-"))
        shutil.chown(cluster, "postgres", "postgres")
        folder.symlink_to(cluster)
    else:
        folder.mkdir()
    folder = folder.resolve()
    data, port = folder / "data", _free_port()
    # local trust for the test's set-up commands, passwords over TCP as on a real server
    subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "postgres",
                                 "--auth-local=trust", "--auth-host=scram-sha-256",
                                 "-E", "UTF8"]), check=True, capture_output=True)
    log = open(folder / "postgres.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(_as_postgres([_pg_bin("postgres"), "-D", str(data), "-h", "127.0.0.1",
                                          "-p", str(port), "-k", str(folder), "-c", "max_connections=200"]),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while subprocess.run([_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                         capture_output=True).returncode != 0:
        assert proc.poll() is None and time.monotonic() < deadline, (folder / "postgres.log").read_text()
        time.sleep(0.5)
    # docs/scale-out.md's two commands: a user with a password, the database it owns
    at = ["-h", str(folder), "-p", str(port), "-U", "postgres"]  # the local socket: trusted
    subprocess.run([_pg_bin("psql"), *at, "-c", "CREATE USER prefect PASSWORD 'db-secret'"],
                   check=True, capture_output=True)
    subprocess.run([_pg_bin("createdb"), *at, "-O", "prefect", "prefect"], check=True,
                   capture_output=True)
    return proc, f"postgresql+asyncpg://prefect:db-secret@127.0.0.1:{port}/prefect"


def stop_postgres(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # fast shutdown
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    cluster = Path(proc.args[proc.args.index("-D") + 1]).parent
    if cluster.name.startswith("genflow-pg-"):
        shutil.rmtree(cluster, ignore_errors=True)


GUIDE = Path(__file__).resolve().parents[1] / "docs" / "scale-out.md"


def guide_database_settings() -> dict[str, str]:
    """The ``export PREFECT_SERVER_DATABASE_...=value`` lines of docs/scale-out.md: the guide is
    the one place the production server's database settings are written."""
    found = re.findall(r"^export (PREFECT_SERVER_DATABASE_\w+)=(\S+)", GUIDE.read_text(), re.M)
    assert found, f"{GUIDE}: no PREFECT_SERVER_DATABASE_ settings"
    return dict(found)


def start_production_server(folder: Path, database_url: str | None,
                            auth: str | None = AUTH) -> tuple[subprocess.Popen, dict, Path]:
    """``prefect server start`` on ``database_url`` (None: SQLite) with an API auth string:
    (process, the env a client or worker needs, the server's log file). On PostgreSQL the
    server gets the guide's database settings."""
    extra = {}
    if database_url:
        extra["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
        extra.update(guide_database_settings())
    if auth:
        extra["PREFECT_SERVER_API_AUTH_STRING"] = auth
    proc, env = start_api_server(folder / "prefect-home", extra)
    for key in ("PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_DATABASE_CONNECTION_URL",
                *guide_database_settings()):
        env.pop(key, None)  # the server's secrets, not the clients'
    if auth:
        env["PREFECT_API_AUTH_STRING"] = auth
    log = folder / f"prefect-server-{env['PREFECT_API_URL'].split(':')[2].split('/')[0]}.log"
    return proc, env, log


def run_load(env: dict, folder: Path, workers: int = 4, runs: int = 40,
             timeout: float = 900) -> dict:
    """``runs`` runs of a short deployment submitted at once to ``workers`` process workers:
    {"completed", "states", "seconds", "runs_per_minute"} once every run has finished."""
    import json as _json

    from tests.faults import night
    from tests.flows.test_deployment import REPO, _prefect

    folder.mkdir(parents=True, exist_ok=True)
    spec = {"name": "load", "prefect-version": "3", "build": None, "push": None, "pull": [],
            "deployments": [{"name": "load", "entrypoint": "tests.load_flow:probe",
                             "work_pool": {"name": "load"}}]}
    (folder / "prefect.yaml").write_text(_json.dumps(spec))
    env = {**env, "PYTHONPATH": str(REPO)}
    _prefect(env, "work-pool", "create", "load", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--all", cwd=folder)
    [dep] = [d for d in night.api(env, "/deployments/filter", {"limit": 10}) if d["name"] == "load"]
    pool = [night.start_worker(env, "load", folder / f"worker-{i}", limit=None) for i in range(workers)]
    try:
        t0 = time.monotonic()
        ids = [night.create_run(env, dep, {"i": i}) for i in range(runs)]
        while True:
            found = night.api(env, "/flow_runs/filter", {
                "flow_runs": {"deployment_id": {"any_": [dep["id"]]}}, "limit": 200})
            final = [r for r in found if r["state_type"] in night.FINAL]
            if len(final) == len(ids) or time.monotonic() - t0 > timeout:
                break
            time.sleep(1)
        seconds = time.monotonic() - t0
    finally:
        for w in pool:
            night.stop_worker(w)
    states = sorted(r["state_type"] for r in found)
    completed = states.count("COMPLETED")
    # what became of the others, with their state history: enough to tell a crash from a stall
    others = [{"name": r["name"], "state": r["state_name"],
               "message": (r.get("state") or {}).get("message"),
               "history": [(s["name"], s["timestamp"], (s.get("message") or "")[:200])
                           for s in night.states(env, r["id"])]}
              for r in found if r["state_type"] != "COMPLETED"]
    return {"submitted": len(ids), "found": len(found), "completed": completed, "states": states,
            "others": others, "seconds": seconds, "runs_per_minute": 60 * completed / seconds}


DB_ERRORS = ("database is locked", "OperationalError", "DBAPIError", "IntegrityError",
             "deadlock detected", "too many connections", "Traceback")


def database_errors(log: Path) -> list[str]:
    """Lines of a server log that report a database error, and for each traceback the log line
    before it (what the server was doing) and its exception line (what went wrong)."""
    lines = (log.read_text(errors="replace") if log.exists() else "").splitlines()
    found = []
    for i, line in enumerate(lines):
        if "Traceback" in line:
            end = next((j for j in range(i + 1, len(lines))
                        if lines[j] and not lines[j].startswith((" ", "\t", "Traceback",
                                                                  "During handling",
                                                                  "The above exception"))),
                       len(lines) - 1)
            before = lines[i - 1] if i else ""
            found.append(f"traceback after {before[-160:]!r}: {lines[end][-200:]}")
        elif any(e in line for e in DB_ERRORS):
            found.append(line[-240:])
    return found
