"""Idempotency keys: a scan retried after a dropped connection is recorded once.

A scanner sends an ``Idempotency-Key`` header with every write. The key, a hash
of the request and the response are stored in the same transaction as the
write, under a unique (user, key) constraint: a replay finds the stored response
and writes nothing; a concurrent duplicate loses on the constraint and answers
with the winner's response. Only successful writes are stored: a refused write
changed nothing, so sending it again simply tries again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from wms.errors import Conflict
from wms.i18n import N_
from wms.models import IdempotencyKey
from wms.models.base import utcnow

HEADER = "Idempotency-Key"
MAX_LENGTH = 100


def request_hash(method: str, path: str, body: bytes) -> str:
    """Hash of what was asked; JSON bodies are canonicalised so key order does not matter."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True,
                               separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


_TABLE = IdempotencyKey.__table__
_LOOKUP = select(_TABLE.c.key, _TABLE.c.request_hash, _TABLE.c.response_status,
                 _TABLE.c.response_body).where(_TABLE.c.user_id == bindparam("user_id"),
                                               _TABLE.c.key == bindparam("key"))


def lookup(session: Session, user_id: int, key: str) -> Row | None:
    """The stored key (``key``, ``request_hash``, ``response_status``, ``response_body``)."""
    return session.execute(_LOOKUP, {"user_id": user_id, "key": key}).one_or_none()


def replay(stored: Row | IdempotencyKey, digest: str) -> tuple[int, Any]:
    """The stored response for a repeated request, or 409 if the key was used for another."""
    if stored.request_hash != digest:
        raise Conflict(N_("the {header} {key} was already used for a different request; use a "
                          "new key for a new scan", header=HEADER, key=repr(stored.key)),
                       field=HEADER)
    return stored.response_status, stored.response_body


def _insert(insert):
    stmt = insert(_TABLE).values(
        {c: bindparam(c) for c in ("user_id", "key", "request_hash", "method", "path",
                                   "response_status", "response_body", "created_at")})
    return (stmt.on_conflict_do_nothing(index_elements=[_TABLE.c.user_id, _TABLE.c.key])
            .returning(_TABLE.c.id))


_STORE = {"postgresql": _insert(pg_insert), "sqlite": _insert(sqlite_insert)}


def store(session: Session, *, user_id: int, key: str, digest: str, method: str, path: str,
          status: int, body: Any) -> bool:
    """Store the key with its response; False if a concurrent request stored it first.

    On PostgreSQL the insert waits for a concurrent transaction holding the same
    key and skips the row if that one commits, so the caller must then roll back
    its own write and answer with the stored response.
    """
    return session.execute(_STORE[session.get_bind().dialect.name], {
        "user_id": user_id, "key": key, "request_hash": digest, "method": method, "path": path,
        "response_status": status, "response_body": body, "created_at": utcnow(),
    }).first() is not None
