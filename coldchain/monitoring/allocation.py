""""Least remaining shelf life first": allocation by the life a lot really has left.

FEFO trusts the printed date. A lot that sat in a warm truck has less life than
its label says, and one kept cold all along may have more; sending the lot with
the least life left first, as long as it still has enough at delivery, loses
fewer units (Jedermann et al. 2014, Phil. Trans. R. Soc. A 372:20130302).

Candidates carry ``extra["remaining_days"]`` (days left today at the reference
temperature, from the lot's temperature history); the order service fills it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from wms.allocation import Candidate, Context, fefo, strategy
from wms.orders import CANDIDATE_FACTS


def remaining_at(cand: Candidate, today: date, day: date) -> float | None:
    left = cand.extra.get("remaining_days")
    if left is None:
        return None
    return left - max(0, (day - today).days)


@strategy("lsfo")
def least_shelf_life_first(candidates: Sequence[Candidate], quantity: int,
                           context: Context) -> list[Candidate]:
    today = context.extra.get("today", date.today())
    usable, unknown = [], []
    for cand in candidates:
        left = remaining_at(cand, today, context.delivery_date)
        if left is None:
            unknown.append(cand)
        elif left >= context.min_remaining_days:
            usable.append((left, cand))
    usable.sort(key=lambda pair: (pair[0], pair[1].lot_id, pair[1].location_id))
    # Lots without a known history go after, in FEFO order.
    return [c for _, c in usable] + fefo(unknown, quantity, context)


def remaining_life_facts(session, candidates: list[Candidate]) -> list[Candidate]:
    """Fill each candidate's remaining shelf life (days today, at the reference temperature)."""
    from dataclasses import replace

    from coldchain.monitoring.lot_history import history

    days: dict[int, float] = {}
    out = []
    for cand in candidates:
        if cand.lot_id not in days:
            days[cand.lot_id] = history(session, cand.lot_id).remaining_days
        out.append(replace(cand, extra={**cand.extra, "remaining_days": days[cand.lot_id]}))
    return out


CANDIDATE_FACTS["lsfo"] = remaining_life_facts
