"""What one sensor's readings say about one day: the figures of a daily temperature record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DayFigures:
    readings: int
    min_c: float | None
    max_c: float | None
    mean_c: float | None
    coverage: float
    longest_gap_min: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        return {"readings": self.readings, "min_c": self.min_c, "max_c": self.max_c,
                "mean_c": self.mean_c, "coverage": self.coverage,
                "longest_gap_min": self.longest_gap_min}


def figures(times_s: np.ndarray, temps_c: np.ndarray, *, watched_s: float,
            interval_s: float) -> DayFigures:
    """Minimum, maximum and the plain mean of the readings (as an inspector recomputes
    them from the printed list), and the coverage: readings received over the readings
    the sensor's sampling interval promises for the time it was watching the place."""
    n = int(temps_c.size)
    expected = watched_s / interval_s if interval_s > 0 else 0.0
    coverage = round(min(1.0, n / expected), 3) if expected > 0 else 0.0
    if n == 0:
        return DayFigures(0, None, None, None, coverage, None)
    gaps = np.diff(np.sort(times_s)) if n > 1 else np.zeros(1)
    return DayFigures(n, round(float(temps_c.min()), 2), round(float(temps_c.max()), 2),
                      round(float(temps_c.mean()), 2), coverage,
                      round(float(gaps.max()) / 60, 1))
