"""BLAS threads for loops of small matrix operations.

A 128 × 128 eigendecomposition or a (n, 128) covariance is far too small to share between
threads, yet OpenBLAS wakes its other threads for every call: on the 2-core machine each call
in FID's bootstrap cost ~8 ms with two threads and ~0.4 ms with one (``fid_standard_error`` at
N = 200: 3.6 s -> 0.15 s). Large products (KID's kernel, the pairwise distances) keep every
thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS (and OpenMP) calls in this block run on one thread; restored afterwards."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
