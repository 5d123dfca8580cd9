"""Readings dated ahead of the clock: a logger whose clock was reset or set wrong.

A reading cannot have been taken after "now". A little skew is allowed (gateway and server
clocks differ by seconds to minutes); anything further ahead is refused when it arrives and
left out of evaluation if it was stored anyway, because a reading in the future would hold
until then and hide everything that really happens in between.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

_UNITS = (("year", 365.25 * 86400), ("day", 86400.0), ("hour", 3600.0))


def ahead(times: np.ndarray, now_s: int, max_skew_s: float) -> np.ndarray:
    """Mask of the epoch-second ``times`` more than ``max_skew_s`` after ``now_s``."""
    return np.asarray(times) > now_s + max_skew_s


def span(seconds: float) -> str:
    """A duration as people say it, rounded down to its largest unit: "3 years", "25 min"."""
    for unit, size in _UNITS:
        count = int(seconds // size)
        if count >= 1:
            return f"{count} {unit}" + ("s" if count > 1 else "")
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes else f"{max(0, int(seconds))} s"


def ahead_reason(epoch_s: int, now_s: int, max_skew_s: float) -> str:
    """Why a reading at ``epoch_s`` is refused, as in "… is 3 years ahead of the server clock"."""
    stamp = datetime.fromtimestamp(int(epoch_s), UTC).isoformat()
    return (f"{stamp} is {span(epoch_s - now_s)} ahead of the server clock "
            f"(more than {max_skew_s / 60:g} min)")
