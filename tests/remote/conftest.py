"""A real S3-compatible server (moto's server mode) on 127.0.0.1 for the remote-root tests.

The usual AWS environment variables point s3fs, botocore and pyarrow at it; each test gets its
own prefix in one bucket.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

BUCKET = "genflow-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """{'endpoint': 'http://127.0.0.1:PORT', 'env': {...}}: a moto server and its settings."""
    binary = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail("moto_server missing: run scripts/setup.sh --dev")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "moto did not start"
            time.sleep(0.3)
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "genflow-test",
           "AWS_SECRET_ACCESS_KEY": "genflow-test", "AWS_DEFAULT_REGION": "us-east-1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    s3fs.S3FileSystem().mkdir(BUCKET)
    yield {"endpoint": endpoint, "port": port, "env": env}
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def bucket_root(s3_server) -> str:
    """A fresh ``s3://genflow-test/<uuid>`` root."""
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:10]}"
