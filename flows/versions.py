"""Workers run the code their deployment was made from.

``prefect deploy`` runs ``build_version`` (a build step in prefect.yaml) on the deploying
machine and records its output as every deployment's ``version``: genflow's version, a digest
of the source of every module the deployments' flows import (lazily too), and Prefect's
version. A deployment run first compares that with the worker's own (``check_version``): a
worker on other code (which would compute other cache keys and silently retrain) or another
Prefect refuses the run before anything runs, with one line naming both, and the run ends
Failed (an alert, never a retry). The fix is on the worker: install the deployment's genflow
(``git checkout <commit> && bash scripts/setup.sh``) or redeploy.
"""

# No `from __future__ import annotations` here: Dask ships flow modules by value.

from typing import Any

from genflow.core.errors import InputError

ENTRYPOINTS = ("genflow.flows.pipeline", "genflow.flows.chain", "genflow.flows.report",
               "genflow.flows.ingest")


class VersionMismatch(InputError):
    """The worker's genflow (or Prefect) is not the one the deployment was made from."""


def installed_version() -> str:
    """"genflow 0.1.0+<code digest>, prefect 3.9.1" for the code installed here."""
    import prefect

    from genflow import __version__
    from genflow.storage.hashing import code_version
    from genflow.tasks.models import registry

    # the builders are named in the registry as strings, not imported: add them (and plugins')
    builders = sorted({e.builder_module for e in registry.REGISTRY.values()})
    digest = code_version(*ENTRYPOINTS, *builders)[:12]
    return f"genflow {__version__}+{digest}, prefect {prefect.__version__}"


def build_version() -> dict[str, str]:
    """The prefect.yaml build step: {"version": installed_version()} of the deploying machine."""
    return {"version": installed_version()}


def check_version(deployment_version: Any) -> None:
    """Raise VersionMismatch when a deployment's recorded version is not this worker's.

    A deployment made without the build step (a version that does not start with "genflow ")
    is not checked.
    """
    if not isinstance(deployment_version, str) or not deployment_version.startswith("genflow "):
        return
    here = installed_version()
    if deployment_version != here:
        raise VersionMismatch(f"this worker runs {here}, but the deployment was made from "
                              f"{deployment_version}: install that genflow here (or redeploy)")


def check_deployment_version() -> None:
    """``check_version`` for the current deployment run (no-op for other runs)."""
    from genflow.flows.unattended import deployment_run

    run = deployment_run()
    if run is None:
        return
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment(run.deployment_id)
    check_version(deployment.version)
