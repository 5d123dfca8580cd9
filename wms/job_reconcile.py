"""Job rows agree with rq: a job whose worker died reads ``failed``, with the reason.

A job row says ``started`` from the moment a worker takes the job until the job writes
its outcome. A worker killed on the way (SIGKILL, the OOM killer, a lost machine) never
writes it, and the row would say ``started 63.8%`` forever. rq itself finds out in two
ways, and both are read here:

- the worker's main process outlives its work horse, sees it die and moves the job to
  rq's FailedJobRegistry ("Work-horse terminated unexpectedly ...");
- the whole worker died: the job's execution in the StartedJobRegistry gets no more
  heartbeats, and once its score passes (monitoring interval + 60 s)
  ``StartedJobRegistry.cleanup()`` declares the job abandoned and fails it.

The second takes 90 s or more, so two quicker signs count too: the work horse records
its host, pid namespace, pid and process start time in the rq job's meta, and where
those match, a vanished (or reused) pid is known dead at once; elsewhere, a worker
whose key in Redis expired (its heartbeat refreshes it) is gone.

Rows are failed by a conditional update (only while queued or started), after rq's state
was read: a job that finishes in between keeps its outcome.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from wms.db import transaction
from wms.models import Job, JobStatus
from wms.models.base import utcnow

log = logging.getLogger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.STARTED)
# A row is written just before its job reaches Redis: give that moment time to pass.
ENQUEUE_GRACE = timedelta(seconds=60)


def record_process() -> None:
    """Inside a worker: note which process runs the current rq job."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return
    pid = os.getpid()
    job.meta["process"] = {"host": socket.gethostname(), "pid_ns": _pid_namespace(),
                           "pid": pid, "start": _started(pid)}
    job.save_meta()


def reconcile(factory: sessionmaker[Session], job_id: str, *, redis_url: str,
              queue_name: str) -> str | None:
    """Fail one job row if its worker died; returns the reason, or None."""
    return _reconcile(factory, [job_id], redis_url, queue_name).get(job_id)


def sweep(factory: sessionmaker[Session], *, redis_url: str,
          queue_name: str) -> dict[str, str]:
    """Fail every queued or started job whose worker died; job id → reason."""
    with factory() as session:
        ids = list(session.scalars(select(Job.id).where(Job.status.in_(ACTIVE))))
    return _reconcile(factory, ids, redis_url, queue_name)


def _reconcile(factory: sessionmaker[Session], job_ids: list[str], redis_url: str,
               queue_name: str) -> dict[str, str]:
    if not job_ids:
        return {}
    from redis.exceptions import RedisError
    from rq.registry import StartedJobRegistry

    from wms.redis_client import redis_connection

    conn = redis_connection(redis_url)
    failed: dict[str, str] = {}
    try:
        # rq's own rule for abandoned jobs: executions whose heartbeat ran out are failed.
        StartedJobRegistry(queue_name, connection=conn).cleanup()
        for job_id in job_ids:
            with factory() as session:
                row = session.get(Job, job_id)
                if row is None or row.status not in ACTIVE:
                    continue
                status, created_at = row.status, row.created_at
            reason = _why_dead(conn, job_id, status, created_at)
            if reason and _fail(factory, job_id, reason):
                log.warning("job %s failed: %s", job_id, reason)
                failed[job_id] = reason
    except RedisError as exc:
        # Without Redis nothing can be known; the rows stay as they are until it is back.
        log.warning("cannot check job status against the queue: %s: %s",
                    type(exc).__name__, exc)
    finally:
        conn.close()
    return failed


def _why_dead(conn: Any, job_id: str, status: JobStatus, created_at) -> str | None:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RqJob
    from rq.job import JobStatus as RqStatus
    from rq.worker import Worker

    try:
        rq_job = RqJob.fetch(job_id, connection=conn)
    except NoSuchJobError:
        if status == JobStatus.STARTED or utcnow() - created_at > ENQUEUE_GRACE:
            return ("the job queue has no record of this job (Redis lost it, or it "
                    "expired); request it again")
        return None
    rq_status = rq_job.get_status(refresh=False)
    if rq_status in (RqStatus.FAILED, RqStatus.STOPPED, RqStatus.CANCELED):
        return f"the worker running it died or stopped it: {_rq_reason(rq_job)}"
    if rq_status == RqStatus.FINISHED:
        # The job writes its row before rq marks it finished: the outcome was lost.
        return "the worker finished the job but its outcome was not recorded"
    if rq_status != RqStatus.STARTED:
        return None
    process = rq_job.meta.get("process") or {}
    if (process.get("host"), process.get("pid_ns")) == (socket.gethostname(),
                                                        _pid_namespace()):
        if _alive(int(process["pid"]), process.get("start")):
            return None
        return (f"the worker process running it died (pid {process['pid']} on "
                f"{process['host']}); request it again")
    name = rq_job.worker_name
    if name and not conn.exists(Worker.redis_worker_namespace_prefix + name):
        return (f"the worker running it died (worker {name} stopped sending heartbeats); "
                "request it again")
    return None


def _rq_reason(rq_job: Any) -> str:
    result = rq_job.latest_result()
    text = (result.exc_string if result is not None else None) or rq_job.exc_info or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "rq recorded no reason"


def _fail(factory: sessionmaker[Session], job_id: str, reason: str) -> bool:
    with transaction(factory) as session:
        done = session.execute(
            update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
            .values(status=JobStatus.FAILED, error=reason, message=reason,
                    finished_at=utcnow()))
        return done.rowcount == 1


def _pid_namespace() -> str | None:
    """Containers can share a host name (host networking) but never a pid namespace."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _started(pid: int) -> str | None:
    fields = _stat(pid)
    # starttime is the 22nd field of the line; the list starts at the 3rd (state).
    return fields[19] if fields and len(fields) > 19 else None


def _alive(pid: int, start: str | None) -> bool:
    if not Path("/proc/self/stat").exists():  # no procfs: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = _stat(pid)
    if fields is None or fields[0] in ("Z", "X"):  # gone, or a zombie nobody reaped
        return False
    # A pid is reused after a while: it must be the same process that took the job.
    return start is None or fields[19] == start
