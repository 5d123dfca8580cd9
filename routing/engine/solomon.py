"""Solomon VRPTW instances (``.txt``) and best-known route files (``.sol``).

Instances are turned into ordinary routing problems so the benchmark exercises the same
planner as production. The convention is CVRPLIB/DIMACS "distance only": Euclidean
distances truncated to one decimal, used as both distance and travel time. Everything is
scaled by 10 so that these truncated values are exact integers: one tenth of a Solomon
distance unit becomes one "metre", one tenth of a time unit one "second".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .matrix import Matrices
from .model import ClassLoad, Compartment, Depot, Problem, Stop, Vehicle

SCALE = 10


@dataclass
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    xy: np.ndarray  # (n + 1, 2), row 0 is the depot
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray

    @property
    def customers(self) -> int:
        return len(self.demand) - 1


def read_instance(path: str | Path) -> SolomonInstance:
    lines = Path(path).read_text().splitlines()
    name = lines[0].strip()
    vehicles = capacity = None
    rows = []
    for i, line in enumerate(lines):
        if line.strip().upper().startswith("NUMBER"):
            vehicles, capacity = (int(x) for x in lines[i + 1].split()[:2])
        parts = line.split()
        if len(parts) == 7 and all(re.fullmatch(r"-?\d+(\.\d+)?", p) for p in parts):
            rows.append([float(p) for p in parts])
    if vehicles is None or not rows:
        raise ValueError(f"{path}: not a Solomon instance")
    a = np.asarray(rows)
    if a[0, 0] != 0:
        raise ValueError(f"{path}: first customer row must be the depot (0)")
    return SolomonInstance(name, vehicles, capacity, a[:, 1:3], a[:, 3].astype(int),
                           a[:, 4].astype(int), a[:, 5].astype(int), a[:, 6].astype(int))


def read_solution(path: str | Path) -> tuple[list[list[int]], float | None]:
    """Routes as lists of customer numbers, and the stated cost."""
    routes, cost = [], None
    for line in Path(path).read_text().splitlines():
        m = re.match(r"\s*Route\s*#\d+\s*:(.*)", line)
        if m:
            routes.append([int(x) for x in m.group(1).split()])
        elif line.strip().lower().startswith("cost"):
            cost = float(line.split()[1])
    return routes, cost


def distance_matrix(inst: SolomonInstance) -> np.ndarray:
    """Truncated Euclidean distances times 10, as exact integers."""
    diff = inst.xy[:, None, :] - inst.xy[None, :, :]
    d = np.sqrt((diff ** 2).sum(axis=2))
    # The tiny epsilon keeps exact tenths (e.g. 5.0) from truncating down to 4.9.
    return np.floor(d * SCALE + 1e-9).astype(np.int64)


def route_distance(routes: list[list[int]], dist: np.ndarray) -> int:
    total = 0
    for r in routes:
        path = [0, *r, 0]
        total += int(sum(dist[a, b] for a, b in itertools.pairwise(path)))
    return total


def to_problem(inst: SolomonInstance) -> tuple[Problem, Matrices]:
    """A routing problem with one depot, identical vehicles and explicit matrices."""
    # Coordinates are only labels here; travel comes from the explicit matrices.
    def latlon(i: int) -> tuple[float, float]:
        return float(inst.xy[i, 1]) / 10, float(inst.xy[i, 0]) / 10

    lat, lon = latlon(0)
    depot = Depot("0", lat, lon, open=int(inst.ready[0]) * SCALE,
                  close=int(inst.due[0]) * SCALE)
    stops = []
    for i in range(1, len(inst.demand)):
        lat, lon = latlon(i)
        stops.append(Stop(str(i), lat, lon,
                          window=(int(inst.ready[i]) * SCALE, int(inst.due[i]) * SCALE),
                          service_fixed_s=int(inst.service[i]) * SCALE,
                          demand={"ambient": ClassLoad(int(inst.demand[i]), 0.0)}))
    vehicles = [Vehicle(f"v{k}", "0", [Compartment("ambient", inst.capacity, 0.0)],
                        shift_start=depot.open, shift_end=depot.close, cost_per_km=1.0)
                for k in range(inst.vehicles)]
    problem = Problem([depot], stops, vehicles, name=inst.name)
    dist = distance_matrix(inst).astype(float)
    return problem, Matrices(dist, dist.copy())

