"""Process settings the CLI applies before Prefect is imported.

Values the user already set in the environment win; these are only defaults. Nothing here
imports another genflow layer, so every layer may import it.
"""

from __future__ import annotations

import os

# Every genflow flow run sends a heartbeat this often (Prefect's minimum; its default is 180 s).
# The crash automation (flows/automations.py) marks a run silent for three of them Crashed, so
# every process that runs genflow flows must send them this often: the deployments set it in
# prefect.yaml, the CLI and `import genflow` here.
HEARTBEAT_SECONDS = 30

# A stage whose outputs are complete starts no flow run (flows/completed.py). Set this
# variable to 1 to start one anyway (every stage then shows in Prefect on every run, at
# 1-3 s a cached stage).
STAGE_RUNS_ENV = "GENFLOW_ALWAYS_RUN_STAGES"


def always_run_stages() -> bool:
    return os.environ.get(STAGE_RUNS_ENV, "") == "1"


PREFECT_DEFAULTS = {
    "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),
    # A fresh PREFECT_HOME needs longer than Prefect's 20 s default to start its ephemeral
    # server on a 2-core machine (measured 12-17 s once warm).
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def configure_prefect(prefect_home: str | None = None) -> dict[str, str]:
    """Set Prefect's local defaults in os.environ; return the ones that were applied.

    Args:
        prefect_home: PREFECT_HOME to use when the user has not chosen one (the CLI passes
            ``<root>/prefect`` for a local root, so a plain ``genflow run`` records its runs
            beside its artifacts).
    """
    wanted = dict(PREFECT_DEFAULTS)
    if prefect_home:
        wanted["PREFECT_HOME"] = prefect_home
    applied = {k: v for k, v in wanted.items() if k not in os.environ}
    os.environ.update(applied)
    return applied
