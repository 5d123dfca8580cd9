"""Which stock an order line gets: pure functions on plain data, no database.

A strategy orders the eligible candidates; ``plan`` takes units from them in that
order. Strategies live in a registry so that another rule (for instance least
remaining shelf life first, computed from a lot's temperature history) can be
added with ``@strategy("name")`` and chosen per allocation run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from wms.errors import Conflict


@dataclass(frozen=True)
class Candidate:
    """Free units of one lot at one location."""

    lot_id: int
    location_id: int
    available: int
    lot_code: str = ""
    location_code: str = ""
    expiry: date | None = None  # expiry date, or best-before when the label has no expiry
    received_at: Any = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Context:
    delivery_date: date
    min_remaining_days: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def must_last_until(self) -> date:
        return self.delivery_date + timedelta(days=self.min_remaining_days)


Strategy = Callable[[Sequence[Candidate], int, Context], list[Candidate]]
STRATEGIES: dict[str, Strategy] = {}
DEFAULT = "fefo"


def strategy(name: str) -> Callable[[Strategy], Strategy]:
    def register(fn: Strategy) -> Strategy:
        STRATEGIES[name] = fn
        return fn

    return register


def get_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise ValueError(f"unknown allocation strategy {name!r}; known: {known}") from None


def eligible(candidates: Sequence[Candidate], context: Context) -> list[Candidate]:
    """Candidates with free units that will still be good long enough after delivery.

    A lot without any date on its label never expires for this purpose.
    """
    last = context.must_last_until
    return [c for c in candidates
            if c.available > 0 and (c.expiry is None or c.expiry >= last)]


@strategy("fefo")
def fefo(candidates: Sequence[Candidate], quantity: int, context: Context) -> list[Candidate]:
    """First expired, first out: earliest expiry first; undated lots last; then the
    oldest receipt, then fewest units (to empty bins), then a stable tie-break."""
    return sorted(candidates, key=lambda c: (
        c.expiry is None, c.expiry or date.max, c.received_at is None,
        c.received_at or 0, c.available, c.lot_id, c.location_id))


def plan(candidates: Sequence[Candidate], quantity: int, context: Context,
         strategy_name: str = DEFAULT) -> list[tuple[Candidate, int]]:
    """Units to take from each candidate, in the strategy's order; may fall short."""
    ordered = get_strategy(strategy_name)(eligible(candidates, context), quantity, context)
    out: list[tuple[Candidate, int]] = []
    left = quantity
    for cand in ordered:
        if left <= 0:
            break
        take = min(cand.available, left)
        if take > 0:
            out.append((cand, take))
            left -= take
    return out


@dataclass(frozen=True)
class Want:
    """Units one order line still waits for, and what its lots must satisfy."""

    line: Any
    product_id: int
    quantity: int
    context: Context


@dataclass
class DayPlan:
    """What ``plan_day`` gives one order: units per line and candidate, or why none."""

    takes: list[tuple[Any, Candidate, int]] = field(default_factory=list)
    error: Conflict | None = None


def plan_day(orders: Sequence[tuple[Any, Sequence[Want]]],
             candidates: dict[int, Sequence[Candidate]], strategy_name: str = DEFAULT,
             check: Callable[[Candidate], None] | None = None) -> dict[Any, DayPlan]:
    """Plan a whole day's orders at once, exactly as allocating them one after the other
    would: orders in the given order, each line over its product's candidates with the
    units the orders before it left, through ``plan``. ``check`` may raise for a candidate
    that must not be reserved (a lot past its date); the order then gets nothing and the
    conflict as its error, as the transaction of that order alone would have been undone.
    """
    free = {(c.lot_id, c.location_id): c.available
            for cands in candidates.values() for c in cands}
    out: dict[Any, DayPlan] = {}
    for key, wants in orders:
        result = DayPlan()
        taken: dict[tuple[int, int], int] = {}
        try:
            for want in wants:
                cands = [c if free[(c.lot_id, c.location_id)] == c.available else
                         replace(c, available=free[(c.lot_id, c.location_id)])
                         for c in candidates.get(want.product_id, ())]
                for cand, qty in plan(cands, want.quantity, want.context, strategy_name):
                    if check is not None:
                        check(cand)
                    where = (cand.lot_id, cand.location_id)
                    free[where] -= qty
                    taken[where] = taken.get(where, 0) + qty
                    result.takes.append((want.line, cand, qty))
        except Conflict as exc:
            for where, qty in taken.items():
                free[where] += qty
            result = DayPlan(error=exc)
        out[key] = result
    return out
