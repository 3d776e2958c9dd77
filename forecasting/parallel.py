"""Run a function over many series on all cores.

Series are independent, so a process pool scales them with the cores (the GIL stops threads
from doing so for numpy-light Python loops). The shared inputs reach the workers by `fork`,
without pickling the history once per task; on a platform without `fork`, or with one worker,
the function runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

Item = TypeVar("Item")
Result = TypeVar("Result")

_shared: Any = None
_function: Callable | None = None


def default_workers() -> int:
    return int(os.environ.get("VOLTBILL_FORECAST_WORKERS", os.cpu_count() or 1))


def _call(item):
    return _function(_shared, item)


def _start_worker() -> None:
    # A forked worker inherits the parent's signal handlers (Dagster's turn a signal into an
    # exception): restore the defaults so stopping the pool stops the worker quietly.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # One process per core already uses the cores; multi-threaded BLAS on top of that makes
    # statsmodels' small SVDs 10-50x slower from thread contention.
    threadpool_limits(limits=1, user_api="blas")


def map_series(function: Callable[[Any, Item], Result], shared: Any, items: Sequence[Item], workers: int | None = None) -> list[Result]:
    """[function(shared, item) for item in items], in order, on `workers` processes."""
    global _shared, _function
    workers = min(workers or default_workers(), len(items))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(shared, item) for item in items]
    _shared, _function = shared, function
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
        try:
            results = pool.map(_call, items, chunksize=max(1, len(items) // (workers * 8)))
        except BaseException:
            pool.terminate()
            raise
        pool.close()  # let the workers exit on their own rather than terminating them
        pool.join()
        return results
    finally:
        _shared, _function = None, None
