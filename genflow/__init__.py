"""genflow: Prefect pipelines for the lecture's generative models (see README.md)."""

import os as _os

from genflow.core.settings import HEARTBEAT_SECONDS as _HEARTBEAT_SECONDS

__version__ = "0.1.0"

# Flow runs of genflow code in any process (a notebook, a script) heartbeat as often as the
# crash automation expects, unless the user chose otherwise; Prefect reads it when it starts.
_os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(_HEARTBEAT_SECONDS))
