"""One training per training key and root at a time, on any worker: a Prefect global
concurrency limit of one slot named for the two, held with a lease.

Two runs with the same key (the same data, config and code) in one root would train into one
run folder. Runs of one key in different roots write different folders and never wait for
each other.
The second waits for the first's slot and then, as a rule, finds the finished model in the
cache. The slot is a lease the holder renews while it trains: a worker that dies mid-training
stops renewing, and the server frees the slot ``LEASE_SECONDS`` later (plus its repossessor's
period) so the rescheduled run can take it. A holder that froze and wakes after that finds
its run folder claimed by the newer attempt (``RunStore.claim``) and writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator

log = logging.getLogger(__name__)

LEASE_SECONDS = 60  # the server's minimum; renewed by the holder well before it ends
PREFIX = "genflow-train-"


def limit_name(key: str, root_url: str) -> str:
    """The concurrency limit of training key ``key`` ("train-<sha256>") in root ``root_url``."""
    return PREFIX + hashlib.sha256(f"{root_url}\n{key}".encode()).hexdigest()[:24]


def _ensure_limit(name: str) -> None:
    """Create the one-slot limit ``name`` unless it exists (idempotent, race-safe)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):  # another worker created it first
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))


@contextlib.contextmanager
def exclusive_training(key: str, root_url: str) -> Iterator[None]:
    """Hold training key ``key``'s slot in ``root_url`` for the block (waits while another run
    holds it)."""
    from prefect.concurrency.sync import concurrency

    name = limit_name(key, root_url)
    _ensure_limit(name)
    log.info("waiting for the slot of %s", name)
    # strict: a missing limit must fail, never silently admit a second writer; a failed
    # renewal does not stop training (the run folder's claim fences a stale writer instead)
    with concurrency(name, occupy=1, lease_duration=LEASE_SECONDS, strict=True,
                     raise_on_lease_renewal_failure=False):
        log.info("holding %s", name)
        yield
