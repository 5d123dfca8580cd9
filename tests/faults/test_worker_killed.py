"""An rq worker killed with SIGKILL in the middle of a route plan: the job ends ``failed``
with the reason instead of reading ``started 63.8%`` forever, and planning goes on."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from tests.factories import ApiClient
from tests.faults.conftest import kill_at_once, wait_for
from tests.integration.test_dispatch import DAY, order, stock_up
from wms.models import Job, JobStatus

pytestmark = [pytest.mark.faults, pytest.mark.redis]


@pytest.fixture
def dispatcher(database_url, world, sessions, redis_url, queue_name) -> ApiClient:
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 30, "C00002": 20})
    order(sessions, "O-2", "SH-P002", {"C00002": 12})
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": database_url,
                      "WMS_REDIS_URL": redis_url, "WMS_QUEUE": queue_name})
    return ApiClient(app.test_client(), world.tokens, "dispatcher")


def request_plan(api: ApiClient, time_limit_s: float) -> str:
    resp = api.post("/api/route-plans", json={"warehouse": "SH1", "date": DAY.isoformat(),
                                               "time_limit_s": time_limit_s})
    assert resp.status_code == 202, resp.json
    return resp.json["id"]


def job(api: ApiClient, job_id: str) -> dict:
    resp = api.get(f"/api/jobs/{job_id}")
    assert resp.status_code == 200, resp.json
    return resp.json


def solving(api: ApiClient, job_id: str) -> dict:
    """Wait until the plan is well into the solver's search."""
    return wait_for(lambda: (j := job(api, job_id))["status"] == "started"
                    and j["progress"] >= 2 and j, 30, "the plan job to be solving")


def a_new_plan_succeeds(api: ApiClient) -> None:
    new_id = request_plan(api, 1)
    done = wait_for(lambda: (j := job(api, new_id))["status"] in ("finished", "failed") and j,
                    40, "the new plan job")
    assert done["status"] == "finished", done
    assert done["result"]["stops"] == 2


def test_a_plan_whose_worker_dies_ends_failed_and_the_next_plan_succeeds(
        dispatcher, redis_url, queue_name, start_worker):
    worker = start_worker(redis_url, queue_name)
    job_id = request_plan(dispatcher, 60)
    horse = worker.horse()
    before = solving(dispatcher, job_id)
    # The whole worker dies at once (OOM killer, a lost machine): rq's own bookkeeping still
    # says "started" and would for minutes, until the execution's heartbeat expires.
    kill_at_once(horse)
    worker.kill()

    after = job(dispatcher, job_id)
    assert after["status"] == "failed", after
    assert "worker" in after["error"] and "died" in after["error"], after
    assert after["finished_at"] is not None
    assert after["progress"] >= before["progress"]  # how far it got, kept for the dispatcher

    start_worker(redis_url, queue_name)
    a_new_plan_succeeds(dispatcher)
    assert job(dispatcher, job_id)["status"] == "failed"


def test_a_killed_work_horse_is_failed_with_the_reason_rq_recorded(
        dispatcher, redis_url, queue_name, start_worker):
    worker = start_worker(redis_url, queue_name)
    job_id = request_plan(dispatcher, 60)
    horse = worker.horse()
    solving(dispatcher, job_id)
    kill_at_once(horse)
    # The worker survives its work horse and moves the job to rq's failed registry: the
    # finding's case, where rq knew and the job row did not.
    wait_for(lambda: "terminated unexpectedly" in worker.output(), 15,
             "the worker to record the failure")
    failed = job(dispatcher, job_id)
    assert failed["status"] == "failed", failed
    assert "Work-horse terminated unexpectedly" in failed["error"], failed
    assert "signal 9" in failed["error"]
    a_new_plan_succeeds(dispatcher)  # the same worker takes the next job


def test_the_sweeper_fails_jobs_of_a_dead_worker_without_anyone_asking(
        dispatcher, sessions, database_url, redis_url, queue_name, start_worker, monkeypatch):
    worker = start_worker(redis_url, queue_name)
    job_id = request_plan(dispatcher, 60)
    horse = worker.horse()
    solving(dispatcher, job_id)
    kill_at_once(horse)
    worker.kill()

    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WMS_REDIS_URL", redis_url)
    monkeypatch.setenv("WMS_QUEUE", queue_name)
    result = CliRunner().invoke(main, ["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert job_id in result.output and "failed" in result.output
    with sessions() as s:
        row = s.get(Job, job_id)
        assert row.status == JobStatus.FAILED and "died" in row.error

    again = CliRunner().invoke(main, ["jobs", "sweep"])
    assert again.exit_code == 0 and job_id not in again.output


def test_a_worker_sweeps_at_start(dispatcher, sessions, redis_url, queue_name, start_worker):
    worker = start_worker(redis_url, queue_name)
    job_id = request_plan(dispatcher, 60)
    horse = worker.horse()
    solving(dispatcher, job_id)
    kill_at_once(horse)
    worker.kill()

    fresh = start_worker(redis_url, queue_name)

    def failed_row():
        with sessions() as s:
            row = s.get(Job, job_id)
            return row.status == JobStatus.FAILED and row

    row = wait_for(failed_row, 20, "the new worker's sweep")
    assert "died" in row.error
    assert job_id in fresh.output()
