"""Jobs run in a thread of the process that started them, for installations without Redis.

The request that starts a job answers at once; the job's row carries its status and
progress exactly as with rq, so the same polling works. Two threads at most: a route plan
keeps a core busy for its whole time limit, and the machine serves requests too. A job
still running when the process ends is left ``started``; requesting it again is the way
out, as when an rq worker dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

MAX_THREADS = 2
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=MAX_THREADS,
                                           thread_name_prefix="wms-job")
        return _executor


def submit(run: Callable[..., Any], *args: Any) -> Future:
    """Call ``run(*args)`` (``wms.jobs.run`` of a recorded job) in the background; it
    records every end of the job, a failure included, on the job's row."""
    future = _pool().submit(run, *args)
    future.add_done_callback(_log_escape)
    return future


def _log_escape(future: Future) -> None:
    # jobs.run records the job function's own errors; only a failure to record reaches here.
    exc = future.exception()
    if exc is not None:
        log.error("background job could not record its end: %s", exc, exc_info=exc)
