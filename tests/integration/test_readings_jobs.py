"""Readings are stored at once; evaluation waits for a worker, and nothing is lost when
the queue is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select

from api.app import create_app
from api.cli import main
from coldchain.monitoring.models import Finding, ReadingBatch
from tests.factories import ApiClient
from wms.models import Job, JobStatus

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
WARM = [3.0] * 6 + [7.0] * 8 + [3.0] * 6


def _client(database_url, world, redis_url, queue_name="wms"):
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": database_url,
                      "WMS_REDIS_URL": redis_url, "WMS_QUEUE": queue_name})
    api = ApiClient(app.test_client(), world.tokens, "staff")
    assert api.post("/api/sensors", json={"serial": "GW-7", "location": "SH1-C",
                                          "at": (T0 - timedelta(days=1)).isoformat()}
                    ).status_code == 201
    return api


def _readings():
    return {"readings": [{"serial": "GW-7", "timestamp": (T0 + timedelta(minutes=5 * i))
                          .isoformat(), "temperature": t} for i, t in enumerate(WARM)]}


@pytest.mark.redis
def test_evaluation_runs_when_a_worker_takes_the_job(database_url, world, sessions, redis_url,
                                                      queue_name):
    api = _client(database_url, world, redis_url, queue_name)
    resp = api.post("/api/readings", json=_readings())
    assert resp.status_code == 200
    assert resp.json["stored"] == len(WARM) and resp.json["evaluation"] == "queued"
    with sessions() as s:
        assert s.scalars(select(Finding)).all() == []
    conn = Redis.from_url(redis_url)
    SimpleWorker([Queue(queue_name, connection=conn)], connection=conn).work(burst=True)
    job = api.get(f"/api/jobs/{resp.json['evaluation_job']}").json
    assert job["status"] == "finished" and job["result"]["alarms"] == 1
    assert len(api.get("/api/findings?kind=excursion").json) == 1


def test_readings_are_kept_when_the_queue_is_unreachable(database_url, world, sessions,
                                                         monkeypatch):
    api = _client(database_url, world, "redis://127.0.0.1:1/0")
    resp = api.post("/api/readings", json=_readings())
    assert resp.status_code == 200
    assert resp.json["stored"] == len(WARM)
    assert resp.json["evaluation"].startswith("pending")
    with sessions() as s:
        batch = s.scalars(select(ReadingBatch)).one()
        assert batch.evaluation_job_id is None
        job = s.scalars(select(Job)).one()
        assert job.status == JobStatus.FAILED and "could not queue" in job.error
    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["readings", "evaluate", "--pending"])
    assert result.exit_code == 0, result.output
    with sessions() as s:
        assert len(s.scalars(select(Finding).where(Finding.alarm_at.is_not(None))).all()) == 1
        assert s.scalars(select(ReadingBatch)).one().evaluation_job_id is not None
