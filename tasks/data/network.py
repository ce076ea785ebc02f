"""A fast "is TFDS's download host reachable?" probe, so nothing waits on TFDS's ~206 s retries.

``python -m genflow.tasks.data.network`` exits 0 when reachable, 1 otherwise (used by scripts/).
"""

from __future__ import annotations

import socket
import sys
import threading

TFDS_HOST = ("storage.googleapis.com", 443)


def tfds_reachable(timeout: float = 2.0) -> bool:
    """True if a TCP connection to TFDS's download host opens within ``timeout`` seconds.

    The DNS look-up is not bound by the socket timeout, so the probe runs in a daemon thread
    and is abandoned after ``timeout``.
    """
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection(TFDS_HOST, timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


if __name__ == "__main__":
    sys.exit(0 if tfds_reachable() else 1)
