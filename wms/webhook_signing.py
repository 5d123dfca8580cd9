"""The rules of webhook delivery, on plain data: signatures, retry delays, and which
events may be sent now without overtaking an earlier event of the same order.

Signature header (one line, like Stripe's)::

    X-WMS-Signature: t=1764639600,v1=5f2b...e9

``t`` is the Unix time of sending and ``v1`` the lower-case hex HMAC-SHA256, keyed with the
subscription's secret, of ``f"{t}.".encode() + body`` (the exact bytes of the request
body). A receiver recomputes it, compares in constant time, and refuses a ``t`` older than
its tolerance (5 minutes by default), so a recorded request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterable
from dataclasses import dataclass

SIGNATURE_HEADER = "X-WMS-Signature"
EVENT_ID_HEADER = "X-WMS-Event-Id"
EVENT_KIND_HEADER = "X-WMS-Event-Kind"
DEFAULT_TOLERANCE_S = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str | None, *, now: float,
           tolerance_s: float = DEFAULT_TOLERANCE_S) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and is recent enough."""
    if not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def backoff_s(attempts: int, *, base_s: float, cap_s: float,
              rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: exponential, capped, with
    "equal jitter" (half the delay fixed, half random) so that receivers coming back up are
    not hit by every retry at the same instant."""
    if attempts < 1:
        return 0.0
    delay = min(cap_s, base_s * 2 ** (attempts - 1))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


@dataclass(frozen=True)
class Waiting:
    """A delivery not yet made: its subscription, order, sequence and whether it is due."""

    id: int
    subscription_id: int
    order_ref: str
    sequence: int
    due: bool


def sendable(waiting: Iterable[Waiting]) -> list[Waiting]:
    """The deliveries that may be sent now: per subscription and order only the earliest
    one not yet delivered, and only when it is due. A later event of an order waits for
    every earlier one (a dead one included, until it is replayed)."""
    first: dict[tuple[int, str], Waiting] = {}
    for item in waiting:
        key = (item.subscription_id, item.order_ref)
        if key not in first or item.sequence < first[key].sequence:
            first[key] = item
    return sorted((w for w in first.values() if w.due), key=lambda w: (w.order_ref, w.sequence))
