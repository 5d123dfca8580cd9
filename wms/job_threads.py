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
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from wms import jobs

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


def submit(factory: sessionmaker[Session], job_id: str) -> Future:
    """Run the recorded job ``job_id`` in the background; ``jobs.run`` records every end,
    including a failure, on the job's row."""
    future = _pool().submit(jobs.run, factory, job_id)
    future.add_done_callback(_log_escape)
    return future


def _log_escape(future: Future) -> None:
    # jobs.run records the job function's own errors; only a failure to record reaches here.
    exc = future.exception()
    if exc is not None:
        log.error("background job could not record its end: %s", exc, exc_info=exc)
