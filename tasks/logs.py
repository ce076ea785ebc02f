"""Forward genflow's own log records (tasks, storage, training) to the Prefect run they
happen in, so operators read them in the UI and the worker's console, not only on stderr.

Library modules keep using ``logging.getLogger(__name__)``; one handler on the ``genflow``
logger sends each record to the API when, and only when, a flow or task run is active.
"""

from __future__ import annotations

import logging

ROOT_LOGGER = "genflow"


def _handler_class() -> type[logging.Handler]:
    from prefect.exceptions import MissingContextError
    from prefect.logging.handlers import APILogHandler

    class RunLogHandler(APILogHandler):
        """Prefect's API handler, silent outside a run (no warning per record)."""

        def emit(self, record: logging.LogRecord) -> None:
            from prefect.context import FlowRunContext, TaskRunContext

            if getattr(record, "flow_run_id", None) or FlowRunContext.get() or TaskRunContext.get():
                super().emit(record)

        def handleError(self, record: logging.LogRecord) -> None:
            import sys

            if isinstance(sys.exc_info()[1], MissingContextError):
                return
            super().handleError(record)

    return RunLogHandler


def forward_logs(level: int = logging.INFO) -> None:
    """Attach the run-log handler to the ``genflow`` logger (once per process; idempotent)."""
    logger = logging.getLogger(ROOT_LOGGER)
    if any(getattr(h, "_genflow_run_logs", False) for h in logger.handlers):
        return
    handler = _handler_class()()
    handler._genflow_run_logs = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:  # a level the user chose wins
        logger.setLevel(level)
