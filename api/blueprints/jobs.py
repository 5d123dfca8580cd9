"""Background job status, and the master-data check job."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import policy
from api.auth import current_user
from api.jobs import start_job
from api.lookups import one_or_404
from api.runtime import db, runtime
from api.schemas.accounts import JobSchema
from wms import job_reconcile, scope
from wms.errors import NotFound
from wms.models import Job, Role

blp = Blueprint("jobs", __name__, url_prefix="/api", description="Background jobs")


@blp.route("/jobs/<job_id>")
class JobById(MethodView):
    @policy.rule("jobs.read")
    @blp.response(200, JobSchema)
    def get(self, job_id: str):
        job = one_or_404(Job, "job", id=job_id)
        user = current_user()
        if job.warehouse_id is not None:
            scope.check_warehouse(user, job.warehouse_id)
        elif user.role != Role.ADMIN and job.created_by != user.id:
            raise NotFound(f"no job with id={job_id}")
        settings = runtime().settings
        if settings.redis_url and job.status in job_reconcile.ACTIVE:
            # The row alone cannot tell a running job from one whose worker died.
            db().commit()
            if job_reconcile.reconcile(runtime().sessions, job.id,
                                       redis_url=settings.redis_url,
                                       queue_name=settings.queue_name):
                db().refresh(job)
        return job


@blp.route("/checks")
class Checks(MethodView):
    @policy.rule("checks.run")
    @blp.response(202, JobSchema)
    def post(self):
        """Check master data integrity in the background."""
        return start_job("wms.integrity:check_job", {})
