"""Which stock an order line gets: pure functions on plain data, no database.

A strategy orders the eligible candidates; ``plan`` takes units from them in that
order. Strategies live in a registry so that another rule (for instance least
remaining shelf life first, computed from a lot's temperature history) can be
added with ``@strategy("name")`` and chosen per allocation run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


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
