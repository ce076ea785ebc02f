"""BLAS threads for loops of small matrix operations.

A 128 × 128 eigendecomposition or a (n, 128) covariance is far too small to share between
threads, yet OpenBLAS wakes its other threads for every call: on the 2-core machine each call
in FID's bootstrap cost ~8 ms with two threads and ~0.4 ms with one (``fid_standard_error`` at
N = 200: 3.6 s -> 0.15 s). Large products (KID's kernel, the pairwise distances, Inception's
2048-wide matrices) keep every thread.

OpenBLAS's thread count is process-wide, and pipeline branches may evaluate on several threads
at once: the limit is reference-counted, set by the first block to enter and restored by the
last to leave, so overlapping blocks never leave the process on one thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SMALL = 512  # matrices up to this size run on one thread
_lock = threading.Lock()
_holders = 0
_limiter: Any = None


@contextmanager
def one_blas_thread(size: int = 0) -> Iterator[None]:
    """BLAS calls in this block run on one thread (not for ``size`` > SMALL, the matrices'
    side); restored when the last such block in the process leaves."""
    global _holders, _limiter
    if size > SMALL:
        yield
        return
    from threadpoolctl import threadpool_limits

    with _lock:
        if _holders == 0:
            _limiter = threadpool_limits(limits=1, user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                _limiter.restore_original_limits()
                _limiter = None
