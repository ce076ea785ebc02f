"""Policies the Prefect @task wrappers of every stage share: when to retry, how to cache."""

from __future__ import annotations

from typing import Any

from genflow.core.errors import InputError, Superseded, caused_by
from genflow.tasks.logs import forward_logs

# Every @task module imports this one: its log lines reach the Prefect run wherever the task
# executes (the flow's process, a worker, a Dask worker process).
forward_logs()


def retry_unless_bad_input(task: Any, task_run: Any, state: Any) -> bool:
    """Retry IO trouble, never bad input (a malformed file or config stays malformed) and never
    a superseded attempt (a retry would take the run folder back from the newer one)."""
    try:
        state.result()
    except InputError:
        return False
    except Exception as e:
        return caused_by(e, Superseded) is None
    return True


def key_from_parameters(context: Any, parameters: dict[str, Any]) -> str:
    """Cache key = the task's ``key`` parameter (computed from content hashes upstream)."""
    return parameters["key"]
