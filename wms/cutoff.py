"""Order cut-off: the last moment an order can still go out on a delivery date.

A warehouse takes orders for a date until its cut-off time (local), ``days_before`` days
before it: by default 23:00 the evening before. An order placed later goes out on the first
date whose cut-off it still makes. Pure: the caller gives the local time of placing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class Cutoff:
    at: time = time(23, 0)
    days_before: int = 1

    def deadline(self, day: date) -> datetime:
        """The local time by which an order for ``day`` must be placed (naive, local)."""
        return datetime.combine(day - timedelta(days=self.days_before), self.at)

    def first_date(self, placed_local: datetime) -> date:
        """The earliest delivery date an order placed at ``placed_local`` can make: the
        cut-off moment itself is already too late."""
        day = placed_local.date() + timedelta(days=self.days_before)
        return day if placed_local.replace(tzinfo=None) < self.deadline(day) \
            else day + timedelta(days=1)

    def delivery_date(self, requested: date, placed_local: datetime) -> date:
        return max(requested, self.first_date(placed_local))
