"""Liveness and dependency reachability, for load balancers and people."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from api import policy
from api.runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/health")
@policy.rule("public")
def health():
    rt = runtime()
    checks: dict[str, dict] = {}
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "backend": rt.engine.dialect.name}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if rt.settings.redis_url:
        try:
            from redis import Redis

            Redis.from_url(rt.settings.redis_url, socket_timeout=2).ping()
            checks["redis"] = {"ok": True}
        except Exception as exc:
            checks["redis"] = {"ok": False, "error": type(exc).__name__}
    else:
        checks["redis"] = {"ok": True, "mode": "not configured: jobs run inline"}
    ok = all(c["ok"] for c in checks.values())
    return {"status": "ok" if ok else "degraded", "checks": checks}, 200 if ok else 503
