"""Users, passwords and API tokens.

Passwords are hashed with scrypt (a memory-hard KDF from the standard library);
API tokens are random 256-bit secrets of which only the SHA-256 is stored, so a
leaked database does not leak usable tokens. A new password, or disabling a user,
ends every page session and API token of theirs: whoever had one of them is out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from wms import throttle
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_
from wms.models import (
    ApiToken,
    LeaderPickupPoint,
    PickupPoint,
    Role,
    ThrottleScope,
    User,
    Vehicle,
    Warehouse,
    WebSession,
)
from wms.models.base import utcnow
from wms.models.enums import WAREHOUSE_SCOPED_ROLES

TOKEN_PREFIX = "wms_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
PASSWORD_LENGTH = (10, 200)
# Checked when there is no real hash to check (unknown user, no password): the same scrypt
# work as for a real user, so the answer's timing does not tell which usernames exist. No
# password matches it (its digest is not an scrypt output anyone can find).
_DUMMY_HASH = f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${'00' * 16}${'00' * 32}"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(candidate.hex(), digest)


def check_password_rules(password: str, field: str = "password") -> None:
    low, high = PASSWORD_LENGTH
    if not isinstance(password, str) or not low <= len(password) <= high:
        raise ValidationFailed({field: [N_("a password has {low} to {high} characters", low=low,
                                              high=high)]})


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_user(
    session: Session,
    *,
    username: str,
    role: Role | str,
    display_name: str | None = None,
    warehouse_code: str | None = None,
    vehicle_code: str | None = None,
    password: str | None = None,
    pickup_points: list[str] | None = None,
) -> User:
    role = Role(role)
    if password is not None:
        check_password_rules(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(N_("user {username} already exists", username=repr(username)),
                       field="username")
    warehouse_id = None
    if warehouse_code:
        warehouse_id = session.scalar(select(Warehouse.id).where(Warehouse.code == warehouse_code))
        if warehouse_id is None:
            raise ValidationFailed({"warehouse": [N_("unknown warehouse {code}",
                                                        code=repr(warehouse_code))]})
    if role in WAREHOUSE_SCOPED_ROLES and warehouse_id is None:
        raise ValidationFailed({"warehouse": [N_("a {role} user must belong to a warehouse",
                                                    role=role)]})
    vehicle_id = None
    if vehicle_code:
        vehicle = session.scalar(select(Vehicle).where(Vehicle.code == vehicle_code))
        if vehicle is None:
            raise ValidationFailed({"vehicle": [N_("unknown vehicle {code}",
                                                    code=repr(vehicle_code))]})
        vehicle_id = vehicle.id
        warehouse_id = warehouse_id or vehicle.warehouse_id
    points = _leader_points(session, role, pickup_points or [], warehouse_id)
    if points:
        warehouse_id = points[0].warehouse_id
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        warehouse_id=warehouse_id,
        vehicle_id=vehicle_id,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    session.add_all(LeaderPickupPoint(user_id=user.id, pickup_point_id=p.id) for p in points)
    session.flush()
    return user


def _leader_points(session: Session, role: Role, codes: list[str],
                   warehouse_id: int | None) -> list[PickupPoint]:
    """The pickup points a group leader runs: at least one, all of one warehouse."""
    if role != Role.LEADER:
        if codes:
            raise ValidationFailed({"pickup_point": [
                N_("only a group leader runs pickup points")]})
        return []
    if not codes:
        raise ValidationFailed({"pickup_point": [N_("a group leader runs at least one pickup "
                                                    "point; name it")]})
    found = {p.code: p for p in session.scalars(select(PickupPoint).where(
        PickupPoint.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed({"pickup_point": [N_("unknown pickup point {code}", code=repr(c))
                                                 for c in unknown]})
    points = [found[c] for c in dict.fromkeys(codes)]
    homes = {p.warehouse_id for p in points} | ({warehouse_id} if warehouse_id else set())
    if len(homes) > 1:
        raise ValidationFailed({"pickup_point": [N_("a group leader's pickup points are "
                                                    "served by one warehouse")]})
    return points


def issue_token(
    session: Session, user: User, *, name: str = "", ttl: timedelta | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the returned secret is the only time it is ever visible."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:12],
        token_hash=_token_hash(secret),
        expires_at=utcnow() + ttl if ttl else None,
    )
    session.add(token)
    session.flush()
    return token, secret


# The token and its user in one indexed lookup (token_hash is unique): every API
# request starts with it, so it must not cost two round trips.
_TOKEN_USER = (
    select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)
# Guarded so that concurrent requests with one token write the timestamp once.
_TOKEN_USED = (
    update(ApiToken)
    .where(ApiToken.id == bindparam("token_id"),
           or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < bindparam("before")))
    .values(last_used_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)
LAST_USED_GRANULARITY = timedelta(minutes=1)


def token_user(session: Session, secret: str, now: datetime | None = None
               ) -> tuple[User | None, bool]:
    """The active user a token belongs to, and whether its last use was written now.

    The last use is only recorded at minute granularity so that every request is
    not a write; when it is, the caller commits it.
    """
    now = now or utcnow()
    row = session.execute(_TOKEN_USER, {"token_hash": _token_hash(secret)}).one_or_none()
    if row is None:
        return None, False
    user, token_id, revoked_at, expires_at, last_used_at = row
    if revoked_at is not None or (expires_at is not None and expires_at <= now):
        return None, False
    if not user.active:
        return None, False
    if last_used_at is None or now - last_used_at > LAST_USED_GRANULARITY:
        session.execute(_TOKEN_USED, {"token_id": token_id, "now": now,
                                      "before": now - LAST_USED_GRANULARITY})
        return user, True
    return user, False


def authenticate_token(session: Session, secret: str, now: datetime | None = None) -> User | None:
    """The active user a token belongs to (its use recorded in ``session``), or None."""
    return token_user(session, secret, now)[0]


def authenticate_password(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None. One scrypt run on every path."""
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    matches = verify_password(password, stored)
    if user is None or not user.password_hash or not user.active or not matches:
        return None
    return user


def end_credentials(session: Session, user_id: int, now: datetime | None = None) -> None:
    """Revoke every page session and API token of a user."""
    now = now or utcnow()
    for model in (WebSession, ApiToken):
        session.execute(update(model).where(model.user_id == user_id,
                                            model.revoked_at.is_(None))
                        .values(revoked_at=now).execution_options(synchronize_session=False))


def set_password(session: Session, user: User, password: str) -> User:
    """A new password (an admin's reset, or the user's own change): every session and token
    made with the old one ends."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    end_credentials(session, user.id)
    session.flush()
    return user


def change_own_password(session: Session, user: User, old_password: str | None,
                        password: str) -> User:
    """The user's own change, proven with the old password; wrong guesses are throttled like
    sign-ins (raises throttle.Throttled)."""
    checks = [(ThrottleScope.SIGNIN_USER, user.username)]
    throttle.check(session, checks)
    if not old_password or not verify_password(old_password, user.password_hash or _DUMMY_HASH):
        throttle.record_failure(session, checks)
        session.commit()  # the failure counts even though the change is refused
        raise ValidationFailed({"old_password": [N_("this is not your current password")]})
    return set_password(session, user, password)


def set_active(session: Session, user: User, active: bool, *, by: User | None = None) -> User:
    """Disable (ending every session and token) or enable a user."""
    if not active and by is not None and by.id == user.id:
        raise Conflict(N_("you cannot disable your own account; ask another admin"))
    user.active = active
    if not active:
        end_credentials(session, user.id)
    session.flush()
    return user


def user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("no user {username}", username=repr(username)))
    return user


def revoke_token(session: Session, token_id: int, *, by: User) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or (by.role != Role.ADMIN and token.user_id != by.id):
        raise NotFound(N_("token {token_id} not found", token_id=token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
