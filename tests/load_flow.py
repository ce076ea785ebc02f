"""The short flow of the server load test and bench (one task, a few milliseconds of work)."""

from __future__ import annotations

from prefect import flow, task


@task
def square(i: int) -> int:
    return i * i


@flow(name="load-probe", log_prints=False)
def probe(i: int = 0) -> int:
    """A run that asks the server for what every run does: states, a task run, a result."""
    return square(i)
