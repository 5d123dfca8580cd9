"""Schemas of users, tokens and jobs."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import BaseSchema
from wms.i18n import N_
from wms.models import Role

LANGUAGES = ("zh", "en")


class UserSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    warehouse = fields.Function(lambda u: u.warehouse.code if u.warehouse else None)
    vehicle = fields.Function(lambda u: u.vehicle.code if u.vehicle else None)
    active = fields.Boolean()
    language = fields.String(allow_none=True, metadata={
        "description": "zh (Simplified Chinese) or en; null: the browser's Accept-Language"})


class LanguageSchema(BaseSchema):
    language = fields.String(required=True, allow_none=True, validate=validate.OneOf(
        LANGUAGES, error=N_("must be zh (Simplified Chinese) or en (English)")), metadata={
        "description": "zh or en; null goes back to the browser's Accept-Language"})


class UserCreateSchema(BaseSchema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9._-]{1,59}$", error="2-60 lowercase letters, digits, '.', '_' or '-'"))
    display_name = fields.String(load_default=None)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    warehouse = fields.String(load_default=None, metadata={"description": "warehouse code"})
    vehicle = fields.String(load_default=None, metadata={"description": "vehicle code"})
    pickup_points = fields.List(fields.String(), load_default=list, metadata={
        "description": "codes of the pickup points a group leader runs"})
    password = fields.String(load_default=None, load_only=True,
                             validate=validate.Length(min=10, max=200))


class PasswordSchema(BaseSchema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=10, max=200))
    old_password = fields.String(load_default=None, load_only=True,
                                 validate=validate.Length(max=200), metadata={
                                     "description": "required to change your own password"})


class TokenCreateSchema(BaseSchema):
    name = fields.String(load_default="", validate=validate.Length(max=80))
    username = fields.String(load_default=None, metadata={
        "description": "admins may create a token for another user"})
    ttl_days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=3650))


class TokenSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    user = fields.Function(lambda t: t.user.username)
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "the secret; shown only once"})


class JobSchema(BaseSchema):
    id = fields.String()
    kind = fields.String()
    status = fields.String()
    progress = fields.Float()
    message = fields.String()
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
