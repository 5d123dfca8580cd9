"""Distance and travel-time matrices, and the interface a road-network service plugs into.

Matrices are float arrays (metres and seconds) in problem point order: depots, then stops.
Rounding to integers happens once, in :func:`travel_seconds`, so the solver, the schedule and
the validator all agree on the same travel times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from geopy.distance import geodesic

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


@dataclass
class Matrices:
    """Square travel matrices: ``distance_m[i, j]`` metres, ``time_s[i, j]`` seconds."""

    distance_m: np.ndarray
    time_s: np.ndarray

    def __post_init__(self) -> None:
        self.distance_m = np.asarray(self.distance_m, dtype=float)
        self.time_s = np.asarray(self.time_s, dtype=float)
        if self.distance_m.shape != self.time_s.shape or self.distance_m.ndim != 2 or (
                self.distance_m.shape[0] != self.distance_m.shape[1]):
            raise ValueError("distance and time matrices must be square and the same shape")

    def __len__(self) -> int:
        return self.distance_m.shape[0]


@runtime_checkable
class MatrixProvider(Protocol):
    """Anything that turns points into matrices, e.g. an OSRM or Valhalla table client."""

    def matrices(self, points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(dist_m, time_s)`` for ``points`` given as ``(lat, lon)`` pairs."""
        ...


def haversine_m(points: list[tuple[float, float]] | np.ndarray) -> np.ndarray:
    """Great-circle distances in metres between all pairs of ``(lat, lon)`` points."""
    pts = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = pts[:, 0], pts[:, 1]
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Exact ellipsoidal (WGS-84) distance in metres for a single pair of points."""
    return float(geodesic(a, b).meters)


class GreatCircleProvider:
    """Estimate road travel as great-circle distance times a circuity factor at a fixed speed.

    Good enough for planning in a city without a routing engine; the circuity factor (about
    1.3 in dense street grids) corrects for roads not running in straight lines.
    """

    def __init__(self, circuity: float = 1.3, speed_kmh: float = 30.0):
        if circuity < 1.0 or speed_kmh <= 0:
            raise ValueError("circuity must be >= 1 and speed positive")
        self.circuity = circuity
        self.speed_kmh = speed_kmh

    def matrices(self, points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        dist = haversine_m(points) * self.circuity
        return dist, dist / (self.speed_kmh / 3.6)


class FixedMatrixProvider:
    """Matrices computed elsewhere (a road-network export, a benchmark), used as given."""

    def __init__(self, distance_m, time_s):
        self._m = Matrices(distance_m, time_s)

    def matrices(self, points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        if len(points) != len(self._m):
            raise ValueError(f"matrix has {len(self._m)} points, problem has {len(points)}")
        return self._m.distance_m, self._m.time_s


def build_matrices(points: list[tuple[float, float]], provider: MatrixProvider) -> Matrices:
    dist, time = provider.matrices(points)
    m = Matrices(dist, time)
    if len(m) != len(points):
        raise ValueError(f"provider returned {len(m)} rows for {len(points)} points")
    return m


def travel_seconds(time_s: np.ndarray, speed_factor: float = 1.0) -> np.ndarray:
    """Integer travel times for a vehicle, rounded up.

    Rounding to nearest would let a plan promise arrivals a little earlier than the road
    allows; summed over a day's route that reaches minutes. The small tolerance keeps exact
    integers (e.g. benchmark data) from being bumped by floating-point noise.
    """
    return np.ceil(np.asarray(time_s, dtype=float) * speed_factor - 1e-6).astype(np.int64)


def distance_units(distance_m: np.ndarray) -> np.ndarray:
    """Integer metres for the optimiser's arc costs."""
    return np.rint(np.asarray(distance_m, dtype=float)).astype(np.int64)

