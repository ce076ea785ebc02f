"""`prefect deploy` accepts prefect.yaml against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


def test_prefect_deploy_accepts_the_project_file() -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "GENFLOW_PROJECT_DIR": str(REPO)}
    pool = subprocess.run([PREFECT, "work-pool", "create", "genflow-process", "--type", "process"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert pool.returncode == 0, pool.stdout + pool.stderr
    deploy = subprocess.run([PREFECT, "--no-prompt", "deploy", "--all"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]

    async def read():
        async with get_client() as client:
            return await client.read_deployment_by_name("ingest/ingest")

    deployment = asyncio.run(read())
    assert deployment.work_pool_name == "genflow-process"
    assert deployment.parameters == {"config": {"dataset": "mnist", "source": "auto"}}
    assert deployment.entrypoint == "flows/ingest.py:ingest"

    async def read_train():
        async with get_client() as client:
            return await client.read_deployment_by_name("train/train")

    train = asyncio.run(read_train())
    assert train.parameters == {"model": "dcgan", "profile": "quick"}
    assert "gpu" in train.tags
