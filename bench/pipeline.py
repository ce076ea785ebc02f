"""The quick profile end to end on this machine, then two cached re-runs, in one process against
a real (temporary) Prefect server: "cached, flows" starts every stage's flow run as genflow did
before (GENFLOW_ALWAYS_RUN_STAGES=1), "cached" is today's default, where a stage whose outputs
are complete starts no flow run (flows/completed.py). Prints the fixed start-up apart (server
start, imports), then per run: wall time, and per stage the flow runs counted and their wall
time (the union of the runs' start-to-end intervals, not a sum of run times); the ratios; and
Prefect's overhead per task (a flow of no-op tasks).
Goals: cold <= 12 minutes on 2 cores; the cached re-run spends <= 10 s beyond the fixed start-up.

    .venv/bin/python bench/pipeline.py [--profile quick] [--root DIR [--cached-only]]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import defaultdict

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="genflow-bench-prefect-"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


async def _flow_runs(since) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime
    from prefect.client.schemas.sorting import FlowRunSort

    runs: list = []
    async with get_client() as client:
        flows = {f.id: f.name for f in await client.read_flows(limit=200)}
        while True:  # the API serves at most 200 rows a call
            page = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
                sort=FlowRunSort.START_TIME_ASC, limit=200, offset=len(runs))
            runs += page
            if len(page) < 200:
                return [(flows[r.flow_id], r) for r in runs]


def stage_times(since) -> dict[str, tuple[int, float]]:
    """{flow name: (runs, wall seconds)}: wall = length of the union of the runs' intervals."""
    spans: dict[str, list] = defaultdict(list)
    for name, run in asyncio.run(_flow_runs(since)):
        if run.start_time is not None and run.end_time is not None:
            spans[name].append((run.start_time, run.end_time))
    out = {}
    for name, intervals in spans.items():
        total, end = 0.0, None
        for a, b in sorted(intervals):
            if end is None or a > end:
                total += (b - a).total_seconds()
                end = b
            elif b > end:
                total += (b - end).total_seconds()
                end = b
        out[name] = (len(intervals), total)
    return out


def overhead_per_task(n: int = 40) -> float:
    from prefect import flow, task

    @task
    def noop(i: int) -> int:
        return i

    @flow
    def many() -> None:
        for i in range(n):
            noop(i)

    @flow
    def none() -> None:
        return None

    none()
    t0 = time.perf_counter()
    none()
    empty = time.perf_counter() - t0
    t0 = time.perf_counter()
    many()
    return (time.perf_counter() - t0 - empty) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--root", default=None)
    parser.add_argument("--cached-only", action="store_true",
                        help="skip the cold run: --root already holds a complete run of "
                             "--profile made by this code (e.g. bench/quick_run.py --keep's)")
    args = parser.parse_args()
    if args.cached_only and not args.root:
        parser.error("--cached-only needs --root")
    import datetime as dt

    root = args.root or tempfile.mkdtemp(prefix="genflow-bench-root-")
    t0 = time.perf_counter()
    import keras  # noqa: F401  (what every run pays once: TensorFlow and Keras)
    from prefect.testing.utilities import prefect_test_harness

    from genflow.core.settings import STAGE_RUNS_ENV
    from genflow.flows.pipeline import PipelineConfig, pipeline

    imports = time.perf_counter() - t0
    t0 = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=None):
        server = time.perf_counter() - t0
        print(f"fixed start-up: Prefect server {server:.1f} s, imports {imports:.1f} s "
              f"(genflow, Prefect, TensorFlow/Keras)")
        times = {}
        labels = ("cached, flows", "cached") if args.cached_only else (
            "cold", "cached, flows", "cached")
        for label in labels:
            since = dt.datetime.now(dt.UTC)
            t0 = time.perf_counter()
            if label == "cached, flows":
                os.environ[STAGE_RUNS_ENV] = "1"
            try:
                result = pipeline(PipelineConfig(profile=args.profile), root=root)
            finally:
                os.environ.pop(STAGE_RUNS_ENV, None)
            times[label] = time.perf_counter() - t0
            stages = stage_times(since)
            print(f"{label:>13}: {times[label]:8.1f} s  run {result.run_id}")
            print(f"        {'stage':<12}{'runs':>5}{'wall s':>9}")
            for name, (count, seconds) in sorted(stages.items(), key=lambda kv: -kv[1][1]):
                print(f"        {name:<12}{count:>5}{seconds:9.1f}")
        per_task = overhead_per_task()
    flows, cached = times["cached, flows"], times["cached"]
    fixed = server + imports
    if "cold" in times:
        cold = times["cold"]
        print(f"cold {cold / 60:.1f} min (goal <= 12: {'met' if cold <= 720 else 'MISSED'}); "
              f"cached/cold = {100 * cached / cold:.1f} %, with start-up "
              f"{100 * (cached + fixed) / (cold + fixed):.1f} %")
    print(f"cached re-run {cached:.1f} s beyond the fixed start-up of {fixed:.1f} s "
          f"(goal <= 10 s: {'met' if cached <= 10 else 'MISSED'}); {flows:.1f} s with every "
          f"stage's flow run, as before: {flows / cached:.1f}x")
    print(f"Prefect overhead per task: {per_task * 1000:.0f} ms")
    print(f"root: {root}")


if __name__ == "__main__":
    main()
