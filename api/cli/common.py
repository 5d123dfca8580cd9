"""What the command groups share: settings, a session per command, progress bars."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session, sessionmaker

from wms.db import make_engine, make_session_factory, transaction
from wms.settings import Settings


def settings() -> Settings:
    return Settings.from_env()


def session_factory() -> sessionmaker[Session]:
    """Sessions on the configured database, for work done in several transactions."""
    return make_session_factory(make_engine(settings().database_url))


def session_scope() -> AbstractContextManager[Session]:
    """One transaction on the configured database."""
    return transaction(session_factory())


def bar_stepper(bar, scale: float, *, finish: bool = False) -> Callable[..., None]:
    """A progress callback that moves a click progress bar to ``value * scale`` steps.

    Scale 1 suits a percentage on a 100-step bar, 1000 a fraction on a 1000-step bar. The
    bar only moves forward, so an estimate that dips never draws it backwards. With
    ``finish`` the bar is closed when full, for bars not used as a context manager.
    """
    done = [0]

    def advance(value: float, _message: str = "") -> None:
        step = int(value * scale) - done[0]
        if step > 0:
            bar.update(step)
            done[0] += step
            if finish and done[0] >= bar.length:
                bar.render_finish()

    return advance
