"""Timing of one vehicle's route for a given order of stops.

For a fixed order, each stop's service start moves later by at most as much as the departure
does, so leaving later never lengthens the route or the time any stop's goods spend on board.
Those times stop shrinking once the departure reaches the point where no waiting is left
that it could absorb. The schedule handed to drivers leaves at that point (or at the latest
departure the windows allow, if earlier) and then serves every stop as early as possible:
it minimises the route's duration and every stop's time since departure at once, so it
decides whether an order can meet the shift, the maximum duration and the cold-chain
limits, while keeping the slack of early service for delays on the road.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .matrix import Matrices, travel_seconds
from .model import Problem, Vehicle


@dataclass
class Schedule:
    departure: int
    arrivals: list[int]
    starts: list[int]
    ends: list[int]
    back: int


@dataclass
class Infeasible:
    """Why an order of stops cannot be driven: ``reason`` and the position that fails."""

    reason: str  # "time_window", "shift", "max_duration", "cold_chain"
    position: int | None
    message: str


class RouteTimer:
    """Integer travel times and service times shared by the planner and its pre-checks."""

    def __init__(self, problem: Problem, matrices: Matrices):
        self.problem = problem
        self.matrices = matrices
        self.n_depots = len(problem.depots)
        self.depot_node = {d.id: i for i, d in enumerate(problem.depots)}
        self.service = [s.service_s() for s in problem.stops]
        self.limits = [problem.cold_chain_limit(s) for s in problem.stops]
        self._travel: dict[float, np.ndarray] = {}

    def travel(self, speed_factor: float) -> np.ndarray:
        if speed_factor not in self._travel:
            self._travel[speed_factor] = travel_seconds(self.matrices.time_s, speed_factor)
        return self._travel[speed_factor]

    def bounds(self, v: Vehicle) -> tuple[int, int]:
        """Earliest departure (after loading) and latest return for a vehicle."""
        depot = self.problem.depot(v.depot)
        earliest = max(v.shift_start, depot.open) + depot.loading_s
        return earliest, min(v.shift_end, depot.close)

    def schedule(self, v: Vehicle, stops: list[int]) -> Schedule | Infeasible:
        """Latest-departure schedule for ``stops`` (indices into problem.stops) on ``v``."""
        problem = self.problem
        tt = self.travel(v.speed_factor)
        d = self.depot_node[v.depot]
        loading = problem.depot(v.depot).loading_s
        earliest, latest_back = self.bounds(v)
        nodes = [self.n_depots + s for s in stops]
        windows = [problem.stops[s].window for s in stops]
        service = [self.service[s] for s in stops]

        # Forward pass from the earliest departure: can the order be driven at all? Also
        # find the departure after which leaving later no longer shortens any stop's time
        # on board: each stop's start minus its waiting-free driving time from the depot.
        t, prev, driving, needed = earliest, d, 0, earliest
        for k, node in enumerate(nodes):
            arrive = t + int(tt[prev, node])
            driving += int(tt[prev, node])
            start = max(arrive, windows[k][0])
            if start > windows[k][1]:
                return Infeasible("time_window", k,
                                  f"reaches {problem.stops[stops[k]].id} at {arrive} s, "
                                  f"after its window closes at {windows[k][1]} s")
            needed = max(needed, start - driving)
            driving += service[k]
            t, prev = start + service[k], node
        if t + int(tt[prev, d]) > latest_back:
            return Infeasible("shift", len(stops) - 1 if stops else None,
                              f"returns at {t + int(tt[prev, d])} s, after the shift or depot "
                              f"closing at {latest_back} s")

        # Backward pass: the latest service start at each stop that keeps the rest on time.
        z, nxt = latest_back, d
        for k in range(len(nodes) - 1, -1, -1):
            z = min(windows[k][1], z - int(tt[nodes[k], nxt]) - service[k])
            nxt = nodes[k]
        latest_departure = z - int(tt[d, nxt]) if nodes else earliest
        # Leaving any later than needed would only eat into the drivers' slack for delays.
        departure = min(latest_departure, needed)

        arrivals, starts, ends = [], [], []
        t, prev = departure, d
        for k, node in enumerate(nodes):
            arrive = t + int(tt[prev, node])
            start = max(arrive, windows[k][0])
            arrivals.append(arrive)
            starts.append(start)
            t, prev = start + service[k], node
            ends.append(t)
        back = t + int(tt[prev, d])

        if v.max_duration_s is not None and back - departure + loading > v.max_duration_s:
            return Infeasible("max_duration", len(stops) - 1 if stops else None,
                              f"takes {back - departure + loading} s including loading, more "
                              f"than the {v.max_duration_s} s allowed")
        for k, s in enumerate(stops):
            lim = self.limits[s]
            if lim is not None and starts[k] - departure > lim:
                return Infeasible("cold_chain", k,
                                  f"serves {problem.stops[s].id} {starts[k] - departure} s after "
                                  f"leaving the depot; its cold-chain limit is {lim} s")
        return Schedule(departure, arrivals, starts, ends, back)
