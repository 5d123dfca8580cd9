"""Background jobs: on rq when Redis is configured; without it in a thread of the
process that started them (``thread``, the default) or in the caller (``inline``).

Every job has a row in the ``job`` table that carries its status, percent done,
message, result or error, so one status API serves every mode and a status
outlives Redis restarts. A job kind is the dotted path of a function
``fn(session_factory, params, progress) -> dict``; the worker imports it.
"""

from __future__ import annotations

import importlib
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from wms import job_threads
from wms.db import make_engine, make_session_factory, transaction
from wms.errors import DomainError
from wms.i18n import N_
from wms.models import Job, JobStatus
from wms.models.base import utcnow
from wms.redis_client import redis_connection

log = logging.getLogger(__name__)

# How jobs run when no Redis is configured: ``thread`` hands them to the process's own
# executor (the request that started one answers at once and its progress can be
# followed); ``inline`` runs them in the caller (the CLI, and tests that want the result
# in the answer).
MODES = ("thread", "inline")

# Only functions under these packages may be named as job kinds: a job row is
# data, and data must not be able to run arbitrary code.
ALLOWED_PREFIXES = ("wms.", "routing.", "coldchain.", "api.")


class QueueUnavailable(DomainError):
    """Redis could not be reached: the job was not queued (the web layer answers 503)."""

    status = 503
    title = "Service Unavailable"


class Progress(Protocol):
    def __call__(self, percent: float, message: str = "") -> None: ...


JobFunction = Callable[[sessionmaker[Session], dict[str, Any], Progress], dict[str, Any]]


def resolve(kind: str) -> JobFunction:
    module_name, _, attr = kind.partition(":")
    if not attr or not module_name.startswith(ALLOWED_PREFIXES):
        raise ValueError(f"unknown job kind {kind!r}")
    return getattr(importlib.import_module(module_name), attr)


def enqueue(
    factory: sessionmaker[Session],
    kind: str,
    params: dict[str, Any],
    *,
    database_url: str,
    redis_url: str | None,
    queue_name: str = "wms",
    warehouse_id: int | None = None,
    created_by: int | None = None,
    timeout_s: int = 1800,
    mode: str = "inline",
) -> str:
    """Record a job and hand it to rq; without Redis, to this process's job thread
    (``mode="thread"``) or run it now (``mode="inline"``)."""
    if mode not in MODES:
        raise ValueError(f"job mode must be one of {', '.join(MODES)}, not {mode!r}")
    resolve(kind)  # fail before anything is recorded if the kind is wrong
    job_id = str(uuid.uuid4())
    with transaction(factory) as session:
        session.add(
            Job(
                id=job_id,
                kind=kind,
                params=params,
                warehouse_id=warehouse_id,
                created_by=created_by,
                status=JobStatus.QUEUED,
            )
        )
    if redis_url:
        from redis.exceptions import ConnectionError, TimeoutError
        from rq import Queue

        queue = Queue(queue_name, connection=redis_connection(redis_url))
        try:
            queue.enqueue(
                execute, job_id, database_url, job_id=job_id, job_timeout=timeout_s,
                failure_ttl=7 * 86400, result_ttl=86400,
            )
        except Exception as exc:
            # The row must not claim to be waiting in a queue it never reached.
            with transaction(factory) as session:
                job = session.get(Job, job_id)
                job.status = JobStatus.FAILED
                job.error = f"could not queue the job: {type(exc).__name__}: {exc}"
                job.finished_at = utcnow()
            if isinstance(exc, ConnectionError | TimeoutError):
                raise QueueUnavailable(N_("the job queue is unreachable ({error}); nothing "
                                          "was started", error=str(exc))) from exc
            raise
    elif mode == "thread":
        job_threads.submit(run, factory, job_id)
    else:
        run(factory, job_id)
    return job_id


def execute(job_id: str, database_url: str) -> dict[str, Any] | None:
    """Entry point for rq workers: open the database named by the enqueuer and run."""
    from wms.job_reconcile import record_process

    record_process()
    engine = make_engine(database_url)
    try:
        return run(make_session_factory(engine), job_id)
    finally:
        engine.dispose()


def run(factory: sessionmaker[Session], job_id: str) -> dict[str, Any] | None:
    with transaction(factory) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise LookupError(f"job {job_id} not found")
        job.status = JobStatus.STARTED
        job.started_at = utcnow()
        kind, params = job.kind, dict(job.params or {})
    reporter = _Reporter(factory, job_id)
    try:
        result = resolve(kind)(factory, params, reporter)
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, kind)
        with transaction(factory) as session:
            job = session.get(Job, job_id)
            job.status = JobStatus.FAILED
            job.error = f"{type(exc).__name__}: {exc}"
            job.message = traceback.format_exception_only(exc)[-1].strip()
            job.finished_at = utcnow()
        return None
    with transaction(factory) as session:
        job = session.get(Job, job_id)
        job.status = JobStatus.FINISHED
        job.progress = 100.0
        job.result = result
        job.finished_at = utcnow()
    return result


class _Reporter:
    """Writes progress to the job row when it moved by ``step`` points or ``every_s`` passed.

    A time limit alone dropped every step of a job that is done in under a second (a small
    day the search closes early): the page then saw 0 % until the end.
    """

    def __init__(self, factory: sessionmaker[Session], job_id: str, every_s: float = 0.5,
                 step: float = 5.0):
        self.factory, self.job_id, self.every_s, self.step = factory, job_id, every_s, step
        self._last = 0.0
        self._written: float | None = None

    def __call__(self, percent: float, message: str = "") -> None:
        now = time.monotonic()
        moved = self._written is None or percent - self._written >= self.step
        if now - self._last < self.every_s and percent < 100 and not moved:
            return
        self._last, self._written = now, float(percent)
        with transaction(self.factory) as session:
            job = session.get(Job, self.job_id)
            job.progress = max(0.0, min(100.0, float(percent)))
            if message:
                job.message = message


