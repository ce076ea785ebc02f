"""docs/scale-out.md's production server, command by command: PostgreSQL (Debian's, on
127.0.0.1, the asyncpg driver) behind ``prefect server start`` with an API auth string that the
CLI and the workers present; a stranger is refused; 4 workers and a burst of 40 runs all
complete with no database error in the server's log."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import stop_api_server
from tests.faults import night
from tests.flows.test_deployment import BIN, _prefect
from tests.servers import (
    AUTH,
    database_errors,
    run_load,
    start_postgres,
    start_production_server,
    stop_postgres,
)

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture
def production(tmp_path: Path):
    pg, url = start_postgres(tmp_path / "pg")
    try:
        server, env, log = start_production_server(tmp_path, url)
        try:
            yield env, log
        finally:
            stop_api_server(server)
    finally:
        stop_postgres(pg)


def test_postgres_server_with_auth_serves_a_burst_of_runs(production, tmp_path: Path) -> None:
    env, log = production
    # Strangers are refused: no credentials, or the wrong ones.
    for header in ({}, {"Authorization": "Basic c3RyYW5nZXI6Z3Vlc3M="}):
        req = urllib.request.Request(env["PREFECT_API_URL"] + "/flows/filter", data=b"{}",
                                     headers={"Content-Type": "application/json", **header})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 401
    stranger = {k: v for k, v in env.items() if k != "PREFECT_API_AUTH_STRING"}
    refused = subprocess.run([str(BIN / "prefect"), "work-pool", "ls"], env=stranger,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    # The operator's commands, with the auth string.
    installed = subprocess.run([str(BIN / "genflow"), "automations", "install"], env=env,
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert AUTH not in _prefect(env, "work-pool", "ls")

    load = run_load(env, tmp_path / "load", workers=4, runs=40)
    assert load["found"] == load["submitted"] == 40  # nothing lost
    assert load["completed"] == 40, load["others"]
    assert database_errors(log) == []
    automations = night.api(env, "/automations/filter", {"limit": 10})
    assert len(automations) == 2
    print(f"PostgreSQL: {load['completed']} of 40 runs in {load['seconds']:.0f} s "
          f"({load['runs_per_minute']:.1f} runs/min), 0 database errors; strangers refused (401)")
