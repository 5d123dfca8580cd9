"""Certificates and lab results: upload (multipart) to a lot or a supplier, list, and
download the file. A lot's documents follow the lot's warehouse rules; a supplier's are
for buyers and admins."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api import policy
from api.auth import current_user
from api.lookups import one_or_404
from api.parsing import FormWithFilesParser
from api.runtime import db, runtime
from api.schemas.documents import (
    FILE_RESPONSE,
    DocumentSchema,
    DocumentUploadSchema,
    LotDocumentsSchema,
)
from wms import certificates, documents
from wms.errors import NotFound, ValidationFailed
from wms.i18n import N_
from wms.models import Document, Lot, Supplier

blp = Blueprint("documents", __name__, url_prefix="/api",
                description="Certificates and lab results of lots and suppliers")
blp.ARGUMENTS_PARSER = FormWithFilesParser()


def _store():
    return current_app.extensions["wms-documents"]


def _upload(data: dict, **owner) -> Document:
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed({"file": [N_("attach the certificate as form field 'file'")]})
    facts = {k: v for k, v in data.items() if k != "file"}
    doc = documents.add(db(), _store(), facts, content=upload.read(),
                        filename=upload.filename or "", actor_id=current_user().id, **owner)
    db().commit()
    return doc


def lot_documents(lot: Lot) -> dict:
    required = certificates.required_kinds(lot.product.required_certificates,
                                           lot.certifications)
    tz = runtime().settings.timezone
    missing = certificates.missing(db(), required, lot_id=lot.id, supplier_id=lot.supplier_id,
                                   on=certificates.receipt_day(lot, tz))
    return {"lot_id": lot.id, "required": sorted(k.value for k in required),
            "missing": [k.value for k in missing],
            "documents": documents.for_lot(db(), lot.id, lot.supplier_id)}


@blp.route("/lots/<int:lot_id>/documents")
class LotDocuments(MethodView):
    @policy.rule("documents.read", on="lot")
    @blp.response(200, LotDocumentsSchema)
    def get(self, lot_id: int):
        """The lot's certificates and lab results with its supplier's, the kinds it
        requires and those still missing."""
        return lot_documents(one_or_404(Lot, "lot", id=lot_id))

    @policy.rule("documents.write", on="lot")
    @blp.arguments(DocumentUploadSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, DocumentSchema)
    def post(self, data: dict, lot_id: int):
        """Attach a certificate or lab result to the lot (``file`` and its facts). A lot
        held for a missing certificate can be released once it is there."""
        one_or_404(Lot, "lot", id=lot_id)
        return _upload(data, lot_id=lot_id)


@blp.route("/suppliers/<code>/documents")
class SupplierDocuments(MethodView):
    @policy.rule("supplier_documents.read")
    @blp.response(200, DocumentSchema(many=True))
    def get(self, code: str):
        """The supplier's certificates: each covers every lot it delivers while valid."""
        supplier = one_or_404(Supplier, "supplier", code=code)
        return documents.for_supplier(db(), supplier.id)

    @policy.rule("supplier_documents.write")
    @blp.arguments(DocumentUploadSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, DocumentSchema)
    def post(self, data: dict, code: str):
        """Attach a certificate to the supplier (an organic certificate of its base)."""
        supplier = one_or_404(Supplier, "supplier", code=code)
        return _upload(data, supplier_id=supplier.id)


@blp.route("/documents/<int:document_id>/file")
class DocumentFile(MethodView):
    @policy.rule("documents.read", on="document")
    @blp.doc(responses={"200": FILE_RESPONSE})
    def get(self, document_id: int):
        """Download the file as it was uploaded."""
        return file_response(document_id)


def file_response(document_id: int) -> Response:
    """The document's file with its type and a download name (the API and the page)."""
    doc = db().get(Document, document_id)
    if doc is None:
        raise NotFound(N_("no document with id={id}", id=document_id))
    try:
        content = _store().get(doc.sha256)
    except FileNotFoundError:
        raise NotFound(N_("the file of document {id} is not in the document store",
                          id=document_id)) from None
    ascii_name = doc.filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(content, mimetype=doc.content_type, headers={
        "Content-Disposition": f'attachment; filename="{ascii_name}"; '
                               f"filename*=UTF-8''{quote(doc.filename)}",
        "X-Content-Type-Options": "nosniff"})
