"""Without Redis, a route plan runs in a thread of the web process: the request answers 202
at once and the job's progress moves while the solver works, as the dispatch page polls."""

from __future__ import annotations

import time

import pytest

from api.app import create_app
from tests.integration.test_dispatch import DAY, order, stock_up

SOLVE_S = 3


@pytest.fixture
def threaded(database_url, world):
    return create_app({"TESTING": True, "WMS_DATABASE_URL": database_url,
                       "WMS_REDIS_URL": "", "WMS_JOBS": "thread"})


def test_a_plan_answers_at_once_and_its_progress_moves(threaded, sessions, world):
    stock_up(sessions, world)
    for n, point in enumerate(("SH-P001", "SH-P002", "SH-P003"), start=1):
        order(sessions, f"THREAD-{n}", point, {"C00002": 3 + n})
    client = threaded.test_client()
    auth = {"Authorization": f"Bearer {world.tokens['dispatcher']}"}
    resp = client.post("/api/route-plans", headers=auth, json={
        "warehouse": "SH1", "date": str(DAY), "time_limit_s": SOLVE_S})
    assert resp.status_code == 202, resp.json
    # Answered before the job finished: the request did not wait for the solver.
    assert resp.json["status"] in ("queued", "started")
    seen: list[tuple[str, float]] = []
    job = resp.json
    deadline = time.monotonic() + 60
    while job["status"] in ("queued", "started") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/api/jobs/{job['id']}", headers=auth).json
        seen.append((job["status"], job["progress"]))
    assert job["status"] == "finished", job
    assert job["result"]["plan_id"] and job["progress"] == 100
    during = [p for status, p in seen if status == "started"]
    assert any(0 < p < 100 for p in during), seen
    assert during == sorted(during), "progress went backwards"
    assert len({p for p in during}) >= 2, f"progress did not move: {seen}"


def test_inline_mode_still_returns_the_finished_job(database_url, world, sessions):
    stock_up(sessions, world)
    order(sessions, "INLINE-1", "SH-P001", {"C00002": 2})
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": database_url,
                      "WMS_REDIS_URL": "", "WMS_JOBS": "inline"})
    resp = app.test_client().post(
        "/api/route-plans", headers={"Authorization": f"Bearer {world.tokens['dispatcher']}"},
        json={"warehouse": "SH1", "date": str(DAY), "time_limit_s": 1})
    assert resp.status_code == 202 and resp.json["status"] == "finished"


def test_an_unknown_job_mode_is_refused_when_the_app_starts(database_url):
    with pytest.raises(ValueError, match="WMS_JOBS"):
        create_app({"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_JOBS": "later"})
