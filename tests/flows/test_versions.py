"""Workers run the code their deployment was made from: prefect.yaml's build step records the
deploying machine's genflow, code digest and Prefect as each deployment's version, and a worker
on other code refuses the run before anything runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from genflow.flows.versions import VersionMismatch, check_version, installed_version
from tests.faults import night
from tests.flows.test_code_cache import _installed_layout
from tests.flows.test_deployment import REPO, _prefect


def test_a_version_that_differs_is_refused_in_one_line() -> None:
    here = installed_version()
    assert here.startswith("genflow 0.1.0+") and ", prefect 3." in here
    check_version(here)
    check_version(None)  # made without the build step: not checked
    check_version("4f314a213387a38bc6972dd7e2e24c8c")  # Prefect's own flow hash: not checked
    other = here.replace("+", "+0000")
    with pytest.raises(VersionMismatch) as e:
        check_version(other)
    assert str(e.value) == (f"this worker runs {here}, but the deployment was made from {other}: "
                            f"install that genflow here (or redeploy)")


@pytest.mark.slow
def test_a_worker_on_other_code_refuses_the_run(api_server: dict, tmp_path: Path,
                                                mnist_csv: Path) -> None:
    """Deployed from a copy of genflow with one module edited; the worker runs the checkout."""
    site = _installed_layout(tmp_path)
    (site / "genflow" / "tasks" / "data" / "normalise.py").write_text(
        (site / "genflow" / "tasks" / "data" / "normalise.py").read_text() + "\n# newer code\n")
    env = {**api_server, "GENFLOW_SAMPLE_CSV": str(mnist_csv)}
    for pool in ("genflow-cpu", "genflow-gpu"):
        _prefect(env, "work-pool", "create", pool, "--type", "process")
    elsewhere = tmp_path / "deploy-from-here"  # not the checkout, whose genflow/ would shadow
    elsewhere.mkdir()
    (elsewhere / "prefect.yaml").write_bytes((REPO / "prefect.yaml").read_bytes())
    _prefect({**env, "PYTHONPATH": str(site)}, "--no-prompt", "deploy", "--all", cwd=elsewhere)
    [train] = [d for d in night.api(env, "/deployments/filter", {"limit": 10}) if d["name"] == "train"]
    assert train["version"] != installed_version() and train["version"].startswith("genflow 0.1.0+")
    worker = night.start_worker(env, "genflow-gpu", tmp_path / "worker")
    root = tmp_path / "root"
    try:
        t0 = time.monotonic()
        run = night.create_run(env, train, {"request": {"model": "pixel", "profile": "smoke"},
                                            "source": "csv", "root": str(root)})
        final = night.wait_state(env, run, night.FINAL, 300)
    finally:
        night.stop_worker(worker)
    assert final["state_type"] == "FAILED"
    message = final["state"]["message"]
    assert installed_version() in message and train["version"] in message, message
    assert not root.exists()  # refused before anything ran: nothing ingested, nothing written
    print(f"refused in {time.monotonic() - t0:.0f} s: {json.dumps(message)}")
