"""What happens when goods enter a place, decided by the layers above the ledger.

The cold chain holds a lot moved into a place in temperature alarm; the ledger knows
nothing of temperatures, so it calls the hooks installed here with every move it writes
that puts goods somewhere. A hook answers a warning for the person moving the goods (kept
in the session until the caller takes it), or None.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from wms.models import StockMove

EntryHook = Callable[[Session, StockMove], "str | None"]
ENTRY_HOOKS: list[EntryHook] = []
_WARNINGS = "wms.move_warnings"


def install(hook: EntryHook) -> None:
    if hook not in ENTRY_HOOKS:
        ENTRY_HOOKS.append(hook)


def entered(session: Session, move: StockMove) -> None:
    for hook in ENTRY_HOOKS:
        warning = hook(session, move)
        if warning:
            session.info.setdefault(_WARNINGS, []).append(warning)


def take_warnings(session: Session) -> list[str]:
    """The warnings raised in this session since last asked (and forget them)."""
    return session.info.pop(_WARNINGS, [])
