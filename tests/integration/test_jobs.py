"""Background jobs on a real Redis with an rq worker, and inline without Redis."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from wms import integrity, jobs
from wms.models import Job, JobStatus

pytestmark = pytest.mark.redis


def _work(redis_url: str, queue_name: str) -> None:
    conn = Redis.from_url(redis_url)
    SimpleWorker([Queue(queue_name, connection=conn)], connection=conn).work(burst=True)


def test_job_waits_in_the_queue_until_a_worker_runs_it(sessions, world, database_url,
                                                        redis_url, queue_name):
    job_id = jobs.enqueue(sessions, "wms.integrity:check_job", {}, database_url=database_url,
                          redis_url=redis_url, queue_name=queue_name)
    with sessions() as s:
        assert s.get(Job, job_id).status == JobStatus.QUEUED
    _work(redis_url, queue_name)
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job.status == JobStatus.FINISHED
        assert job.progress == 100.0
        assert job.result["ok"] is True
        assert job.started_at <= job.finished_at


def test_a_failing_job_is_marked_failed_with_its_error(sessions, world, database_url,
                                                       redis_url, queue_name, monkeypatch):
    def broken(_session):
        raise ValueError("lost connection to the scale")

    monkeypatch.setitem(integrity.CHECKS, "broken check", broken)
    job_id = jobs.enqueue(sessions, "wms.integrity:check_job", {}, database_url=database_url,
                          redis_url=redis_url, queue_name=queue_name)
    _work(redis_url, queue_name)
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job.status == JobStatus.FAILED
        assert "lost connection to the scale" in job.error
        assert job.result is None


def test_unknown_job_kinds_are_refused_before_anything_is_recorded(sessions, world,
                                                                   database_url):
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.enqueue(sessions, "os:system", {}, database_url=database_url, redis_url=None)
    with sessions() as s:
        assert s.query(Job).count() == 0
