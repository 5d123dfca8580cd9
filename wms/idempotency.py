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

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Conflict
from wms.models import IdempotencyKey

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


def lookup(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    return session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                       IdempotencyKey.key == key))


def replay(stored: IdempotencyKey, digest: str) -> tuple[int, Any]:
    """The stored response for a repeated request, or 409 if the key was used for another."""
    if stored.request_hash != digest:
        raise Conflict(f"the {HEADER} {stored.key!r} was already used for a different request; "
                       "use a new key for a new scan", field=HEADER)
    return stored.response_status, stored.response_body


def store(session: Session, *, user_id: int, key: str, digest: str, method: str, path: str,
          status: int, body: Any) -> None:
    session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=digest, method=method,
                               path=path, response_status=status, response_body=body))
    session.flush()
