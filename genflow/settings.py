"""Prefect settings for local use, applied by the CLI before Prefect is imported.

Values the user already set in the environment win; these are only defaults.
"""

from __future__ import annotations

import os

from storage.root import PREFECT, ArtifactRoot

PREFECT_DEFAULTS = {
    # A fresh PREFECT_HOME needs longer than Prefect's 20 s default to start its ephemeral
    # server on a 2-core machine (measured 12-17 s once warm).
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def configure_prefect(root: ArtifactRoot) -> dict[str, str]:
    """Set Prefect's local defaults in os.environ; return the ones that were applied.

    PREFECT_HOME goes below the artifact root (``<root>/prefect``) when the root is local and
    the user has not chosen one.
    """
    wanted = dict(PREFECT_DEFAULTS)
    if root.is_local:
        wanted["PREFECT_HOME"] = root.makedirs(PREFECT)
    applied = {k: v for k, v in wanted.items() if k not in os.environ}
    os.environ.update(applied)
    return applied
