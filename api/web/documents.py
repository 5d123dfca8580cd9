"""A certificate's file opened from a page (the trace page's list): the signed-in
person's page session, the same rule as the API's download."""

from __future__ import annotations

from api import policy
from api.blueprints.documents import file_response
from api.web.views import bp, page
from wms.models import User


@bp.get("/documents/<int:document_id>/file")
@policy.rule("documents.read", on="document")
@page
def document_file(user: User, document_id: int):
    return file_response(document_id)
