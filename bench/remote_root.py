"""Cost of an object-store root: the smoke pipeline with a local root and with a bucket root on a
real S3-compatible server (moto's server mode) on 127.0.0.1, in one process against one Prefect
server, each from a fresh root (cold: every stage computes). Prints the median of each and the
ratio. Goal: bucket / local < 1.5.

    .venv/bin/python bench/remote_root.py [--repeats 2] [--models pixel mlp_gan]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="genflow-bench-prefect-"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def start_moto() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    binary = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
            return proc, endpoint
        except OSError:
            time.sleep(0.3)
    raise SystemExit("moto_server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=["pixel", "mlp_gan"])
    parser.add_argument("--source", default="csv")
    args = parser.parse_args()
    moto, endpoint = start_moto()
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
                      AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      GENFLOW_CACHE=tempfile.mkdtemp(prefix="genflow-bench-cache-"))
    import s3fs
    from prefect.testing.utilities import prefect_test_harness

    from genflow.flows.pipeline import PipelineConfig, pipeline

    s3fs.S3FileSystem().mkdir("genflow-bench")
    config = PipelineConfig(profile="smoke", models=args.models, source=args.source)
    times: dict[str, list[float]] = {"local": [], "bucket": []}
    try:
        with prefect_test_harness(server_startup_timeout=None):
            pipeline(config, root=tempfile.mkdtemp(prefix="genflow-bench-warm-"))  # compile once
            for i in range(args.repeats):
                for kind in ("local", "bucket"):  # interleaved: drift hits both alike
                    root = (tempfile.mkdtemp(prefix="genflow-bench-local-") if kind == "local"
                            else f"s3://genflow-bench/{uuid.uuid4().hex[:10]}")
                    t0 = time.perf_counter()
                    pipeline(config, root=root)
                    times[kind].append(time.perf_counter() - t0)
                    print(f"  {kind:<7} run {i + 1}: {times[kind][-1]:6.1f} s", flush=True)
    finally:
        moto.terminate()
    local, bucket = statistics.median(times["local"]), statistics.median(times["bucket"])
    print(f"smoke pipeline ({', '.join(args.models)}), cold, median of {args.repeats}: "
          f"local root {local:.1f} s, bucket root (S3 on 127.0.0.1) {bucket:.1f} s")
    print(f"bucket / local = {bucket / local:.2f}x (goal < 1.5x: "
          f"{'met' if bucket / local < 1.5 else 'MISSED'})")


if __name__ == "__main__":
    main()
