"""What may move: one rule, on plain data, for a lot's status and the step asked of it.

Goods that are held, in quarantine, recalled, spoiled or past their date never go towards
a resident: they are not allocated, picked, loaded, delivered or handed over, and inside
the warehouse they only go into quarantine. They may come back from the field (return),
be put in quarantine, be scrapped, or be counted (a count corrects the record to what is
physically there; refusing it would make the ledger lie). Only held, quarantined and
recalled lots are released, and only by the explicit release paths. The ledger asks this
module before it writes any move or reservation (``wms.ledger``).
"""

from __future__ import annotations

import enum
from datetime import date

from wms.errors import Conflict
from wms.i18n import N_
from wms.models.enums import LotStatus


class Step(enum.StrEnum):
    """What a move does to the goods, whatever ledger kind records it."""

    RECEIVE = "receive"
    ALLOCATE = "allocate"
    PICK = "pick"
    LOAD = "load"
    DELIVER = "deliver"
    HANDOVER = "handover"
    TRANSFER = "transfer"
    QUARANTINE = "quarantine"  # a transfer (or receipt, or hold) into a quarantine location
    RETURN = "return"
    SCRAP = "scrap"
    RELEASE = "release"
    REPACK = "repack"  # consumed by a repack, or produced by one
    CORRECT = "correct"  # counts, and reversals of moves with one end


BLOCKED = frozenset({LotStatus.HOLD, LotStatus.QUARANTINE, LotStatus.RECALLED,
                     LotStatus.SPOILED, LotStatus.EXPIRED})
RELEASABLE = frozenset({LotStatus.HOLD, LotStatus.QUARANTINE, LotStatus.RECALLED})
WAYS_OUT = frozenset({Step.RETURN, Step.QUARANTINE, Step.SCRAP, Step.CORRECT})

_WORDS = {LotStatus.AVAILABLE: N_("available"), LotStatus.HOLD: N_("on hold"),
          LotStatus.QUARANTINE: N_("in quarantine"), LotStatus.RECALLED: N_("recalled"),
          LotStatus.SPOILED: N_("spoiled"), LotStatus.EXPIRED: N_("expired")}
_ADVICE = {
    Step.RECEIVE: N_("receive it into a quarantine location"),
    Step.ALLOCATE: N_("it cannot be allocated to orders"),
    Step.PICK: N_("do not pick it; move it to quarantine or scrap it"),
    Step.LOAD: N_("do not load it; move it to quarantine or scrap it"),
    Step.DELIVER: N_("do not hand it over; return it to the warehouse"),
    Step.HANDOVER: N_("do not hand it over; return it to the warehouse"),
    Step.TRANSFER: N_("it may only go into a quarantine location, come back to the warehouse "
                      "or be scrapped"),
    Step.REPACK: N_("do not repack it; move it to quarantine or scrap it"),
}


class MoveRefused(Conflict):
    """The lot's status does not allow this step (409)."""


def allowed(status: LotStatus, step: Step) -> bool:
    if step == Step.RELEASE:
        return status in RELEASABLE
    return status not in BLOCKED or step in WAYS_OUT


def check(status: LotStatus, step: Step, *, lot: str = "", reason: str = "") -> None:
    """Raise ``MoveRefused`` with a sentence for the person at the scanner, unless allowed."""
    if allowed(status, step):
        return
    if step == Step.RELEASE:
        advice = (N_("there is nothing to release") if status == LotStatus.AVAILABLE
                  else N_("it cannot be released; scrap it"))
    else:
        advice = _ADVICE[step]
    values = dict(lot=lot, status=_WORDS[status], reason=reason, advice=advice)
    if lot:
        message = (N_("lot {lot} is {status} ({reason}): {advice}", **values) if reason else
                   N_("lot {lot} is {status}: {advice}", **values))
    else:
        message = (N_("the lot is {status} ({reason}): {advice}", **values) if reason else
                   N_("the lot is {status}: {advice}", **values))
    raise MoveRefused(message, lot=lot or None, lot_status=status.value, step=step.value)


def status_of(status: LotStatus, use_by: date | None, today: date) -> LotStatus:
    """The status a move sees: an available lot past its date is expired.

    ``use_by`` is the lot's expiry date, else its best-before date (the date allocation
    goes by); goods may still move on that day, not after.
    """
    if status == LotStatus.AVAILABLE and use_by is not None and use_by < today:
        return LotStatus.EXPIRED
    return status


def reason_of(status: LotStatus, stored: str, use_by: date | None) -> str:
    if status == LotStatus.EXPIRED and use_by is not None:
        return N_("its date was {date}", date=f"{use_by:%Y-%m-%d}")
    return stored


def table() -> str:
    """The whole rule as a Markdown table (README's "What may move")."""
    statuses = list(LotStatus)
    lines = ["| step | " + " | ".join(s.value for s in statuses) + " |",
             "|---|" + "---|" * len(statuses)]
    for step in Step:
        cells = ("yes" if allowed(s, step) else "no" for s in statuses)
        lines.append(f"| {step.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
