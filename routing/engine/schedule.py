"""Timing of one vehicle's route for a given order of stops.

For a fixed order, each stop's service start moves later by at most as much as the departure
does, so leaving later never lengthens the route or the time any stop's goods spend on board.
Those times stop shrinking once the departure reaches the point where no waiting is left
that it could absorb. The schedule handed to drivers leaves at that point (or at the latest
departure the windows allow, if earlier) and then serves every stop as early as possible:
it minimises the route's duration and every stop's time since departure at once, so it
decides whether an order can meet the shift, the maximum duration and the cold-chain
limits, while keeping the slack of early service for delays on the road.

On days with pickups (goods returned from pickup points, empty crates) the order also
decides the load: the vehicle leaves with every delivery of the route on board and, after
each stop, carries what is left to deliver plus what it has collected. ``schedule`` rejects
an order whose load exceeds a compartment at any point (reason ``capacity``), so a route cut
or re-timed here never carries more than its compartments hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .matrix import Matrices, travel_seconds
from .messages import N_, word
from .model import TEMPERATURE_CLASSES, ClassLoad, Problem, Vehicle

KG_SCALE = 1000  # weights are compared in whole grams, rounded against the plan


@dataclass
class Schedule:
    departure: int
    arrivals: list[int]
    starts: list[int]
    ends: list[int]
    back: int
    rest: tuple[int, int] | None = None  # (position of the stop, start of the rest)


@dataclass
class Infeasible:
    """Why an order of stops cannot be driven: ``reason`` and the position that fails."""

    # "time_window", "shift", "max_duration", "cold_chain", "capacity", "rest"
    reason: str
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
        # Vehicles already on the road start where they are (matrix points after the stops).
        self.origin_node: dict[str, int] = {}
        for v in problem.vehicles:
            if v.on_road is not None:
                self.origin_node[v.id] = self.n_depots + len(problem.stops) + len(
                    self.origin_node)
        # Loads as integer vectors: crates per class, then grams per class.
        self.delivery = load_vectors([s.demand for s in problem.stops])
        self.pickup = load_vectors([s.pickup for s in problem.stops])
        self.has_pickups = bool(self.pickup.any())
        self._capacity: dict[str, np.ndarray] = {}

    def capacity(self, v: Vehicle) -> np.ndarray:
        if v.id not in self._capacity:
            comps = [v.compartment(c) for c in TEMPERATURE_CLASSES]
            self._capacity[v.id] = np.array(
                [0 if c is None else c.crates for c in comps]
                + [0 if c is None else math.floor(c.kg * KG_SCALE + 1e-6) for c in comps],
                dtype=np.int64)
        return self._capacity[v.id]

    def load_profile(self, stops: list[int]) -> np.ndarray:
        """Load on leaving the depot (row 0) and on leaving each stop (rows 1..n)."""
        if not stops:
            return np.zeros((1, self.delivery.shape[1]), dtype=np.int64)
        d, p = self.delivery[stops], self.pickup[stops]
        start = d.sum(axis=0)
        after = start - np.cumsum(d, axis=0) + np.cumsum(p, axis=0)
        return np.vstack([start, after])

    def overload(self, v: Vehicle, stops: list[int]) -> Infeasible | None:
        """The first point of the route where a compartment holds more than it can."""
        over = self.load_profile(stops) > self.capacity(v)
        if not over.any():
            return None
        row, unit = (int(x) for x in np.argwhere(over)[0])
        cls = TEMPERATURE_CLASSES[unit % len(TEMPERATURE_CLASSES)]
        if row == 0:
            # Too much to deliver: leave out the last stop that delivers this class.
            pos = max(k for k, s in enumerate(stops) if self.delivery[s, unit] > 0)
            where = N_("the {cls} compartment of {vehicle} is over capacity on leaving the "
                       "depot", cls=word(cls), vehicle=v.id)
        else:
            pos = row - 1
            where = N_("the {cls} compartment of {vehicle} is over capacity after {stop}",
                       cls=word(cls), vehicle=v.id, stop=self.problem.stops[stops[pos]].id)
        return Infeasible("capacity", pos, where)

    def travel(self, speed_factor: float) -> np.ndarray:
        if speed_factor not in self._travel:
            self._travel[speed_factor] = travel_seconds(self.matrices.time_s, speed_factor)
        return self._travel[speed_factor]

    def travel_bound(self, speed_factor: float) -> np.ndarray:
        """Travel no leg takes longer than at any time of day: free flow times the slowest
        rush hour's factor (the optimiser's conservative view of traffic)."""
        slowest = self.problem.traffic.max_factor if self.problem.traffic else 1.0
        return self.travel(speed_factor * slowest)

    def bounds(self, v: Vehicle) -> tuple[int, int]:
        """Earliest departure (after loading; for a vehicle on the road, when it can drive
        on) and latest return for a vehicle."""
        depot = self.problem.depot(v.depot)
        if v.on_road is not None:
            return v.on_road.at, min(v.shift_end, depot.close)
        earliest = max(v.shift_start, depot.open) + depot.loading_s
        return earliest, min(v.shift_end, depot.close)

    def origin(self, v: Vehicle) -> int:
        """The matrix node a vehicle's route starts from."""
        return self.origin_node.get(v.id, self.depot_node[v.depot])

    def clock_from(self, v: Vehicle, departure: int) -> int:
        """When the goods' cold-chain clocks started: the vehicle's departure, or for one
        already on the road, when it first left its depot."""
        return v.on_road.departed if v.on_road is not None else departure

    def schedule(self, v: Vehicle, stops: list[int]) -> Schedule | Infeasible:
        """Latest-departure schedule for ``stops`` (indices into problem.stops) on ``v``."""
        problem = self.problem
        if self.has_pickups:
            over = self.overload(v, stops)
            if over is not None:
                return over
        if problem.traffic:
            return self._schedule_in_traffic(v, stops)
        tt = self.travel(v.speed_factor)
        d, o = self.depot_node[v.depot], self.origin(v)
        earliest, latest_back = self.bounds(v)
        nodes = [self.n_depots + s for s in stops]
        windows = [problem.stops[s].window for s in stops]
        service = [self.service[s] for s in stops]

        # Forward pass from the earliest departure: can the order be driven at all? Also
        # find the departure after which leaving later no longer shortens any stop's time
        # on board: each stop's start minus its waiting-free driving time from the depot.
        t, prev, driving, needed = earliest, o, 0, earliest
        for k, node in enumerate(nodes):
            arrive = t + int(tt[prev, node])
            driving += int(tt[prev, node])
            start = max(arrive, windows[k][0])
            if start > windows[k][1]:
                return Infeasible("time_window", k,
                                  _late(problem.stops[stops[k]].id, arrive, windows[k][1]))
            needed = max(needed, start - driving)
            driving += service[k]
            t, prev = start + service[k], node
        if t + int(tt[prev, d]) > latest_back:
            return Infeasible("shift", len(stops) - 1 if stops else None,
                              _back_late(t + int(tt[prev, d]), latest_back))

        # Backward pass: the latest service start at each stop that keeps the rest on time.
        z, nxt = latest_back, d
        for k in range(len(nodes) - 1, -1, -1):
            z = min(windows[k][1], z - int(tt[nodes[k], nxt]) - service[k])
            nxt = nodes[k]
        latest_departure = z - int(tt[o, nxt]) if nodes else earliest
        # Leaving any later than needed would only eat into the drivers' slack for delays.
        # A vehicle on the road drives on at once: its goods' clocks are running.
        departure = earliest if v.on_road else min(latest_departure, needed)

        arrivals, starts, ends = [], [], []
        t, prev = departure, o
        for k, node in enumerate(nodes):
            arrive = t + int(tt[prev, node])
            start = max(arrive, windows[k][0])
            arrivals.append(arrive)
            starts.append(start)
            t, prev = start + service[k], node
            ends.append(t)
        back = t + int(tt[prev, d])
        return self._checked(v, stops, Schedule(departure, arrivals, starts, ends, back))

    def _checked(self, v: Vehicle, stops: list[int], sched: Schedule) -> Schedule | Infeasible:
        """The driver's rest, the maximum duration and cold-chain limits, for a schedule in
        its windows."""
        problem = self.problem
        rule = problem.rest
        if rule is not None and sched.back - sched.departure > rule.max_stretch_s:
            rested = self._rest(v, stops, sched)
            if isinstance(rested, Infeasible):
                return rested
            sched = rested
        loading = problem.depot(v.depot).loading_s
        starts, back = sched.starts, sched.back
        departure = self.clock_from(v, sched.departure)
        if v.max_duration_s is not None and back - departure + loading > v.max_duration_s:
            return Infeasible("max_duration", len(stops) - 1 if stops else None,
                              N_("takes {seconds} s including loading, more than the "
                                 "{allowed} s allowed", seconds=back - departure + loading,
                                 allowed=v.max_duration_s))
        for k, s in enumerate(stops):
            lim = self.limits[s]
            if lim is not None and starts[k] - departure > lim:
                return Infeasible("cold_chain", k,
                                  N_("serves {stop} {seconds} s after leaving the depot; its "
                                     "cold-chain limit is {limit} s", stop=problem.stops[s].id,
                                     seconds=starts[k] - departure, limit=lim))
        return sched

    # -- rush hours ---------------------------------------------------------------------

    def _rest(self, v: Vehicle, stops: list[int], sched: Schedule) -> Schedule | Infeasible:
        """The same route with one rest, as late as the rule allows: taken while waiting for
        a stop's window when the wait is long enough, else after a stop's service (which
        delays the rest of the route)."""
        rule = self.problem.rest
        assert rule is not None
        length, stretch, dep = rule.length_s, rule.max_stretch_s, sched.departure
        for k in range(len(stops) - 1, -1, -1):
            latest_start = dep + stretch
            if sched.starts[k] - sched.arrivals[k] >= length:
                at = min(sched.starts[k] - length, latest_start)
                if at >= sched.arrivals[k] and sched.back - (at + length) <= stretch:
                    return Schedule(dep, sched.arrivals, sched.starts, sched.ends, sched.back,
                                    rest=(k, at))
            at = sched.ends[k]
            if at > latest_start:
                continue
            got = self._drive(v, stops, dep, rest_after=k)
            if isinstance(got, Infeasible):
                continue
            if got.back - (at + length) <= stretch:
                got.rest = (k, at)
                return got
        return Infeasible("rest", len(stops) - 1 if stops else None,
                          N_("the driver of {vehicle} cannot rest {rest} s within every "
                             "{stretch} s of the route", vehicle=v.id, rest=length,
                             stretch=stretch))

    def _drive(self, v: Vehicle, stops: list[int], departure: int,
               rest_after: int | None = None) -> Schedule | Infeasible:
        """Serve ``stops`` as early as possible after leaving at ``departure``, in traffic,
        with the driver's rest after the service at position ``rest_after``, if given."""
        problem = self.problem
        tt, traffic = self.travel(v.speed_factor), problem.traffic
        d = self.depot_node[v.depot]
        _, latest_back = self.bounds(v)
        arrivals, starts, ends = [], [], []
        t, prev = departure, self.origin(v)
        for k, s in enumerate(stops):
            node = self.n_depots + s
            arrive = traffic.arrive_s(t, int(tt[prev, node]))
            a, b = problem.stops[s].window
            start = max(arrive, a)
            if start > b:
                return Infeasible("time_window", k,
                                  _late(problem.stops[s].id, arrive, b))
            arrivals.append(arrive)
            starts.append(start)
            t, prev = start + self.service[s], node
            if k == rest_after:
                t += problem.rest.length_s  # type: ignore[union-attr]
            ends.append(t)
        back = traffic.arrive_s(t, int(tt[prev, d]))
        if back > latest_back:
            return Infeasible("shift", len(stops) - 1 if stops else None,
                              _back_late(back, latest_back))
        return Schedule(departure, arrivals, starts, ends, back)

    def _schedule_in_traffic(self, v: Vehicle, stops: list[int]) -> Schedule | Infeasible:
        """The same choice of departure as without traffic, found by search: leaving later
        never arrives earlier, so whether an order can be driven only gets worse with the
        departure, and the latest departure that keeps every window is found by bisection
        between the earliest one and the point where no waiting is left to absorb."""
        earliest, _ = self.bounds(v)
        first = self._drive(v, stops, earliest)
        if isinstance(first, Infeasible):
            return first
        needed, driving = earliest, 0
        for k, s in enumerate(stops):
            driving = first.arrivals[k] - earliest if k == 0 else (
                driving + first.arrivals[k] - first.ends[k - 1])
            needed = max(needed, first.starts[k] - driving)
            driving += self.service[s]
        lo, hi = earliest, earliest if v.on_road else max(earliest, needed)
        best = first
        if hi > lo:
            # Most orders can leave as late as without traffic: one drive instead of a search.
            got = self._drive(v, stops, hi)
            if not isinstance(got, Infeasible):
                lo, best = hi, got
            else:
                hi -= 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            got = self._drive(v, stops, mid)
            if isinstance(got, Infeasible):
                hi = mid - 1
            else:
                lo, best = mid, got
        checked = self._checked(v, stops, best)
        if isinstance(checked, Infeasible) and best is not first:
            # Leaving later can put a leg into the rush; the earliest departure may keep
            # the limits where the later one does not.
            again = self._checked(v, stops, first)
            if not isinstance(again, Infeasible):
                return again
        return checked


def load_vectors(loads: list[dict[str, ClassLoad]]) -> np.ndarray:
    """Crates per class then grams per class (rounded up), one row per stop."""
    rows = [[ld.get(c, ClassLoad()).crates for c in TEMPERATURE_CLASSES]
            + [math.ceil(ld.get(c, ClassLoad()).kg * KG_SCALE - 1e-6) for c in TEMPERATURE_CLASSES]
            for ld in loads]
    return np.array(rows, dtype=np.int64).reshape(len(loads), 2 * len(TEMPERATURE_CLASSES))


def _late(stop: str, arrive: int, closes: int) -> str:
    return N_("reaches {stop} at {arrive} s, after its window closes at {closes} s",
              stop=stop, arrive=arrive, closes=closes)


def _back_late(back: int, latest: int) -> str:
    return N_("returns at {back} s, after the shift or depot closing at {latest} s",
              back=back, latest=latest)
