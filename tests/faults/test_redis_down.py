"""Redis dies while loggers upload readings and dispatchers ask for plans: readings are
stored and answered 2xx, plan requests are 503 with Retry-After, nothing is a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.app import create_app
from coldchain.monitoring.models import Reading
from tests.factories import ApiClient
from tests.integration.test_dispatch import DAY, order, stock_up

pytestmark = [pytest.mark.faults]

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
BATCH = 50


def readings(batch: int) -> dict:
    start = T0 + timedelta(minutes=5 * BATCH * batch)
    return {"readings": [{"serial": "GW-9", "timestamp": (start + timedelta(minutes=5 * i))
                          .isoformat(), "temperature": 2.5 + (i % 3) * 0.5}
                         for i in range(BATCH)]}


def test_redis_dying_loses_no_reading_and_answers_plans_with_503(
        database_url, world, sessions, private_redis, queue_name):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 20})
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": database_url,
                      "WMS_REDIS_URL": private_redis["url"], "WMS_QUEUE": queue_name})
    staff = ApiClient(app.test_client(), world.tokens, "staff")
    dispatcher, admin = staff.as_("dispatcher"), staff.as_("admin")
    assert staff.post("/api/sensors", json={"serial": "GW-9", "location": "SH1-C",
                                            "at": (T0 - timedelta(days=1)).isoformat()}
                      ).status_code == 201
    plan = {"warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1}

    statuses: list[tuple[str, int]] = []
    queued: list[str] = []
    for batch in range(12):
        if batch == 4:
            private_redis["stop"]()
        resp = staff.post("/api/readings", json=readings(batch))
        statuses.append(("readings", resp.status_code))
        assert 200 <= resp.status_code < 300, resp.json
        assert resp.json["stored"] == BATCH
        expected = "queued" if batch < 4 else "pending"
        assert resp.json["evaluation"].startswith(expected), resp.json
        if batch % 2:
            for who, url, body in (("dispatcher", "/api/route-plans", plan),
                                   ("admin", "/api/checks", None)):
                resp = (dispatcher if who == "dispatcher" else admin).post(url, json=body)
                statuses.append((url, resp.status_code))
                if batch < 4:
                    assert resp.status_code == 202, resp.json
                    queued.append(resp.json["id"])
                    continue
                assert resp.status_code == 503, resp.json
                assert resp.content_type == "application/problem+json"
                assert int(resp.headers["Retry-After"]) > 0
                assert "queue" in resp.json["detail"]

    # Their status is still readable; whether their worker lives is known when Redis is back.
    for job_id in queued:
        resp = admin.get(f"/api/jobs/{job_id}")
        assert resp.status_code == 200 and resp.json["status"] == "queued", resp.json
    assert not [s for s in statuses if s[1] >= 500 and s[1] != 503], statuses
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Reading)) == 12 * BATCH
