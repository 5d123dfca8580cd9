"""Starting background jobs from a request."""

from __future__ import annotations

from typing import Any

from api.auth import current_user
from api.runtime import db, runtime
from wms import jobs
from wms.models import Job


def start_job(kind: str, params: dict[str, Any], *, warehouse_id: int | None = None) -> Job:
    rt = runtime()
    # Without Redis the job runs in transactions of its own (inline, or in a thread at
    # once); the request's session must not hold one then (on SQLite it would keep the
    # write lock the job waits for).
    # Committing, unlike rolling back, keeps the loaded user usable without a new read.
    db().commit()
    job_id = jobs.enqueue(
        rt.sessions, kind, params,
        database_url=rt.engine.url.render_as_string(hide_password=False),
        redis_url=rt.settings.redis_url, queue_name=rt.settings.queue_name,
        warehouse_id=warehouse_id, created_by=current_user().id,
        mode=rt.settings.job_mode,
    )
    return db().get(Job, job_id)
