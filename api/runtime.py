"""Per-application resources (settings, engine, sessions) and the request's session."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from wms.db import is_unavailable
from wms.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


def runtime() -> Runtime:
    return current_app.extensions["wms"]


def db() -> Session:
    """The request's session. Views commit explicitly; anything left is rolled back."""
    if "db" not in g:
        g.db = runtime().sessions()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is None:
        return
    try:
        session.rollback()
        session.close()
    except Exception as exc:
        # The connection died with the request's transaction; nothing is left to roll
        # back, and raising here would turn an answer already made into a 500.
        if not is_unavailable(exc):
            raise
        log.warning("database connection lost while closing the request's session: %s",
                    first_line(exc))
        session.invalidate()


def first_line(exc: BaseException) -> str:
    """An error's message on one line: drivers add context lines and SQL."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0] if text else ''}"
