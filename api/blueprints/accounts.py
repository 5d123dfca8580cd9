"""The signed-in user, users (admin: create, disable, enable, reset a password; everyone:
change their own password) and API tokens."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api import policy
from api.auth import current_user
from api.lookups import one_or_404
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.accounts import (
    LanguageSchema,
    NewTokenSchema,
    PasswordSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
)
from wms import accounts
from wms.errors import Forbidden, ValidationFailed
from wms.models import ApiToken, Role, User

blp = Blueprint("accounts", __name__, url_prefix="/api", description="Users and API tokens")


@blp.route("/me")
class Me(MethodView):
    @policy.rule("account.self")
    @blp.response(200, UserSchema)
    def get(self):
        return current_user()


@blp.route("/me/language")
class MyLanguage(MethodView):
    @policy.rule("account.self")
    @blp.arguments(LanguageSchema)
    @blp.response(200, UserSchema)
    def put(self, data: dict):
        """The language your pages and messages are in, from now on in every browser."""
        me = current_user()
        me.language = data["language"]
        db().commit()
        return me


@blp.route("/users")
class Users(MethodView):
    @policy.rule("users.manage")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        return select(User).order_by(User.username)

    @policy.rule("users.manage")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict):
        user = accounts.create_user(
            db(), username=data["username"], role=data["role"],
            display_name=data["display_name"], warehouse_code=data["warehouse"],
            vehicle_code=data["vehicle"], password=data["password"],
            pickup_points=data["pickup_points"],
        )
        db().commit()
        return user


def _user(user_id: int) -> User:
    return one_or_404(User, "user", id=user_id)


@blp.route("/users/<int:user_id>/disable")
class UserDisable(MethodView):
    @policy.rule("users.manage")
    @blp.response(200, UserSchema)
    def post(self, user_id: int):
        """Disable a user: every page session and API token of theirs ends at once."""
        user = accounts.set_active(db(), _user(user_id), False, by=current_user())
        db().commit()
        return user


@blp.route("/users/<int:user_id>/enable")
class UserEnable(MethodView):
    @policy.rule("users.manage")
    @blp.response(200, UserSchema)
    def post(self, user_id: int):
        """Enable a user again (their old tokens stay revoked)."""
        user = accounts.set_active(db(), _user(user_id), True, by=current_user())
        db().commit()
        return user


@blp.route("/users/<int:user_id>/password")
class UserPassword(MethodView):
    @policy.rule("account.self", on="user")
    @blp.arguments(PasswordSchema)
    @blp.response(200, UserSchema)
    def put(self, data: dict, user_id: int):
        """Set a password: admins for anyone, everyone for themselves with the old one.
        Every page session and API token of the user ends, the caller's own included."""
        me = current_user()
        if user_id == me.id:
            if not data["old_password"]:
                raise ValidationFailed({"old_password": [
                    "your current password is required to change it"]})
            user = accounts.change_own_password(db(), me, data["old_password"],
                                                data["password"])
        else:  # an admin: the access policy lets nobody else name another user
            user = accounts.set_password(db(), _user(user_id), data["password"])
        db().commit()
        return user


@blp.route("/tokens")
class Tokens(MethodView):
    @policy.rule("account.self")
    @blp.response(200, TokenSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        stmt = select(ApiToken).order_by(ApiToken.id)
        if current_user().role != Role.ADMIN:
            stmt = stmt.where(ApiToken.user_id == current_user().id)
        return stmt

    @policy.rule("account.self")
    @blp.arguments(TokenCreateSchema, required=False)
    @blp.response(201, NewTokenSchema)
    def post(self, data: dict):
        me = current_user()
        owner = me
        if data["username"] and data["username"] != me.username:
            if me.role != Role.ADMIN:
                raise Forbidden("only an admin may create tokens for other users")
            owner = one_or_404(User, "user", username=data["username"])
        ttl = timedelta(days=data["ttl_days"]) if data["ttl_days"] else None
        token, secret = accounts.issue_token(db(), owner, name=data["name"], ttl=ttl)
        db().commit()
        token.token = secret  # shown in this response only; never stored
        return token


@blp.route("/tokens/<int:token_id>")
class TokenById(MethodView):
    @policy.rule("account.self")
    @blp.response(200, TokenSchema)
    def delete(self, token_id: int):
        token = accounts.revoke_token(db(), token_id, by=current_user())
        db().commit()
        return token
