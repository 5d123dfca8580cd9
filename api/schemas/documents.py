"""Schemas of certificates and lab results: the multipart upload and what is listed."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from api.schemas.common import BaseSchema
from wms.models import DocumentKind

KINDS = [k.value for k in DocumentKind]


class DocumentUploadSchema(BaseSchema):
    file = Upload(required=True, metadata={
        "description": "the certificate or lab report: PDF, JPEG or PNG, at most 10 MiB "
                       "(the type is read from the content)"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    issuer = fields.String(required=True, validate=validate.Length(1, 160))
    number = fields.String(required=True, validate=validate.Length(1, 80))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None, metadata={"description": "none: no end"})
    analyte = fields.String(load_default=None, validate=validate.Length(1, 80), metadata={
        "description": "pesticide-residue tests: the substance measured"})
    result = fields.Float(load_default=None, allow_nan=False,
                          validate=validate.Range(-1e9, 1e9),
                          metadata={"description": "pesticide-residue tests: the amount found"})
    limit = fields.Float(load_default=None, allow_nan=False,
                         validate=validate.Range(-1e9, 1e9),
                         metadata={"description": "pesticide-residue tests: the maximum "
                                                  "residue limit"})
    unit = fields.String(load_default=None, validate=validate.Length(1, 20), metadata={
        "description": "pesticide-residue tests: e.g. mg/kg"})


class DocumentSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    lot_id = fields.Integer(allow_none=True)
    supplier = fields.Function(lambda d: d.supplier.code if d.supplier else None,
                               metadata={"type": ["string", "null"]})
    issuer = fields.String()
    number = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    analyte = fields.String(allow_none=True)
    result = fields.Float(allow_none=True)
    limit = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True)
    passed = fields.Boolean(allow_none=True, metadata={
        "description": "pesticide-residue tests: result at most the limit; else null"})
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()
    url = fields.Function(lambda d: f"/api/documents/{d.id}/file",
                          metadata={"type": "string", "description": "where to download it"})


class LotDocumentsSchema(BaseSchema):
    lot_id = fields.Integer()
    required = fields.List(fields.String(), metadata={
        "description": "kinds the lot's product (or purchase order line) requires"})
    missing = fields.List(fields.String(), metadata={
        "description": "required kinds no valid document proves for the day of receipt"})
    documents = fields.List(fields.Nested(DocumentSchema))


FILE_RESPONSE = {"content": {t: {"schema": {"type": "string", "format": "binary"}}
                             for t in ("application/pdf", "image/jpeg", "image/png")},
                 "description": "the file, with its type and a download name"}
