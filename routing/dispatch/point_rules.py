"""What a pickup point's premises allow: cold storage, vehicle access, goods to send back.

A point that can keep a class's goods cold (enough freezer or fridge crates) takes them at
any time in its delivery window. One that cannot takes them no earlier than the rules'
``hold_without_storage`` before collection opens, so they wait at ambient no longer than
that; the stop's window is tightened to it. If the window closes before that time, the goods
cannot be placed at all and are refused, per order, with the reason ``no_cold_storage``.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.engine.diagnose import NO_COLD_STORAGE
from routing.engine.model import ClassLoad, Unassigned, format_clock
from wms.i18n import N_
from wms.models import PickupPoint

COLD_CLASSES = ("frozen", "chilled")


def seconds_of(t) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass
class ColdVerdict:
    window: tuple[int, int]
    refused: list[str]  # classes that cannot be placed at all
    why: dict[str, str]  # class -> sentence for the dispatcher


def cold_window(point: PickupPoint, demand: dict[str, ClassLoad],
                hold_without_storage_s: dict[str, int]) -> ColdVerdict:
    """The delivery window the point's cold storage leaves for ``demand``."""
    start, end = seconds_of(point.window_start), seconds_of(point.window_end)
    opens = seconds_of(point.collection_opens)
    refused: list[str] = []
    why: dict[str, str] = {}
    for c in COLD_CLASSES:
        load = demand.get(c)
        room = point.storage_crates(c)
        if load is None or not load.crates or room is None or load.crates <= room:
            continue
        kept = N_("freezer") if c == "frozen" else N_("fridge")
        hold = hold_without_storage_s.get(c)
        if hold is None:
            refused.append(c)
            why[c] = N_("{crates} crates of {cls} goods; {point} keeps {room} in its {kept} "
                        "and the rules allow no wait without one", crates=load.crates,
                        cls=N_(c), point=point.code, room=room, kept=kept)
            continue
        earliest = opens - hold
        if earliest > end:
            refused.append(c)
            why[c] = N_("{crates} crates of {cls} goods; {point} keeps {room} in its {kept}, "
                        "so they may arrive no earlier than {earliest} ({minutes} min before "
                        "collection opens at {opens}), after its delivery window closes at "
                        "{closes}", crates=load.crates, cls=N_(c), point=point.code, room=room,
                        kept=kept, earliest=format_clock(earliest), minutes=hold // 60,
                        opens=format_clock(opens), closes=format_clock(end))
            continue
        start = max(start, earliest)
    return ColdVerdict((start, end), refused, why)


def refusal(stop_id: str, verdict: ColdVerdict, orders: list[int]) -> Unassigned:
    ids = sorted(set(orders))
    shown = ", ".join(f"#{o}" for o in ids[:20])
    reasons = verdict.why[verdict.refused[0]]
    for c in verdict.refused[1:]:
        reasons = N_("{first}; {then}", first=reasons, then=verdict.why[c])
    if len(ids) > 20:
        return Unassigned(stop_id, NO_COLD_STORAGE,
                          N_("orders {orders} (+{more} more): {reasons}", orders=shown,
                             more=len(ids) - 20, reasons=reasons))
    return Unassigned(stop_id, NO_COLD_STORAGE,
                      N_("orders {orders}: {reasons}", orders=shown, reasons=reasons))


def admitted_fleet(point: PickupPoint, fleet: list[frozenset[str]],
                   kinds: list[str]) -> list[frozenset[str]]:
    """The class sets of the vehicles the point lets in (all of them if it names none that
    exist, so the planner reports the stop with the reason ``access``)."""
    if point.vehicle_kinds is None:
        return fleet
    mine = [carried for carried, kind in zip(fleet, kinds, strict=True)
            if kind in point.vehicle_kinds]
    return mine or fleet
