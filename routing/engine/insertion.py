"""Inserting stops into routes: the guaranteed first plan, and the repair after the search.

Every insertion is decided by :meth:`RouteTimer.schedule` (the schedule handed to drivers)
and by the compartments' capacities, so a stop is only ever placed where the final plan can
serve it. A vectorised window check over all positions of a route comes first; it is exact
for time windows and the shift and only rules positions out, so the schedule is run for the
few positions that remain, cheapest first.

With pickups on the day, each position also passes a load check: inserting a stop adds its
delivery to the load on every leg before it and its pickup to every leg after, so a position
fits when the heaviest leg before it plus the delivery, and the heaviest leg after it plus
the pickup, stay within the compartments (running maxima of the route's load profile).

The same search answers why a stop fits nowhere: for each vehicle that could serve it
alone, whether its compartment is full or which timing rule every position breaks.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .diagnose import (
    COLD_CHAIN_UNREACHABLE,
    COMPARTMENT_FULL,
    NO_PLAN_IN_TIME,
    SHIFT_EXCEEDED,
    WINDOW_UNREACHABLE,
)
from .messages import N_, joined, word
from .model import TEMPERATURE_CLASSES, Problem, Unassigned
from .schedule import Infeasible, RouteTimer

# How many positions that pass the window check are timed in full before giving up on a
# vehicle; the window check is exact apart from cold chain and maximum duration, so a
# position it lets through almost always fits.
MAX_TRIES_PER_VEHICLE = 6



@dataclass
class RouteState:
    """One vehicle's stops with the figures the window check needs."""

    stops: list[int] = field(default_factory=list)
    load: np.ndarray | None = None  # deliveries: crates and grams per class
    picked: np.ndarray | None = None  # pickups, the same units
    before_max: np.ndarray | None = None  # heaviest load up to each leg (pickup days)
    after_max: np.ndarray | None = None  # heaviest load from each leg on (pickup days)
    finish: np.ndarray | None = None  # earliest departure from depot, then from each stop
    latest: np.ndarray | None = None  # latest arrival at each stop, then at the depot
    prev_nodes: np.ndarray | None = None
    next_nodes: np.ndarray | None = None


class Inserter:
    """Places stops into one plan's routes; ``routes[vi]`` is vehicle ``vi``'s stop order."""

    def __init__(self, problem: Problem, timer: RouteTimer, allowed: list[list[int]]):
        self.problem = problem
        self.timer = timer
        self.allowed = allowed
        nv = len(problem.vehicles)
        # Demand and capacity as integer vectors: crates, then grams, per temperature class.
        self.demand = timer.delivery
        self.pickup = timer.pickup
        self.has_pickups = timer.has_pickups
        self.capacity = np.array([timer.capacity(v) for v in problem.vehicles],
                                 dtype=np.int64).reshape(nv, -1)
        self.dist = timer.matrices.distance_m
        self.km_cost = [v.cost_per_km / 1000 for v in problem.vehicles]
        self.windows = np.array([s.window for s in problem.stops],
                                dtype=np.int64).reshape(-1, 2)
        self.service = np.asarray(timer.service, dtype=np.int64)
        self.routes = [RouteState() for _ in range(nv)]
        for vi in range(nv):
            self._refresh(vi)

    # -- bookkeeping --------------------------------------------------------------------

    def set_routes(self, sequences: dict[int, list[int]]) -> None:
        for vi in range(len(self.routes)):
            self.routes[vi].stops = list(sequences.get(vi, []))
            self._refresh(vi)

    def sequences(self) -> dict[int, list[int]]:
        return {vi: list(r.stops) for vi, r in enumerate(self.routes) if r.stops}

    def _refresh(self, vi: int) -> None:
        r = self.routes[vi]
        v = self.problem.vehicles[vi]
        timer = self.timer
        tt = timer.travel(v.speed_factor)
        d, o = timer.depot_node[v.depot], timer.origin(v)
        earliest, latest_back = timer.bounds(v)
        nodes = [timer.n_depots + s for s in r.stops]
        finish = [earliest]
        t, prev = earliest, o
        for s, node in zip(r.stops, nodes, strict=True):
            t = max(t + int(tt[prev, node]), int(self.windows[s, 0])) + int(self.service[s])
            finish.append(t)
            prev = node
        latest = [latest_back]
        z, nxt = latest_back, d
        for s, node in zip(reversed(r.stops), reversed(nodes), strict=True):
            z = min(int(self.windows[s, 1]), z - int(tt[node, nxt]) - int(self.service[s]))
            latest.append(z)
            nxt = node
        latest.reverse()
        r.finish = np.asarray(finish, dtype=np.int64)
        r.latest = np.asarray(latest, dtype=np.int64)
        r.prev_nodes = np.asarray([o, *nodes], dtype=np.int64)
        r.next_nodes = np.asarray([*nodes, d], dtype=np.int64)
        r.load = (self.demand[r.stops].sum(axis=0) if r.stops
                  else np.zeros(self.demand.shape[1], dtype=np.int64))
        if timer.has_pickups:
            r.picked = (self.pickup[r.stops].sum(axis=0) if r.stops
                        else np.zeros(self.pickup.shape[1], dtype=np.int64))
            profile = timer.load_profile(r.stops)
            r.before_max = np.maximum.accumulate(profile, axis=0)
            r.after_max = np.maximum.accumulate(profile[::-1], axis=0)[::-1]

    def _room(self, vi: int, si: int) -> np.ndarray | None:
        """Positions where the loads fit, on pickup days; None when any position does."""
        if not self.has_pickups:
            return None
        r, cap = self.routes[vi], self.capacity[vi]
        return (np.all(r.before_max + self.demand[si] <= cap, axis=1)
                & np.all(r.after_max + self.pickup[si] <= cap, axis=1))

    def _over(self, vi: int, si: int) -> np.ndarray:
        """Units that overflow in every position (by the whole route's load)."""
        r, cap = self.routes[vi], self.capacity[vi]
        over = r.load + self.demand[si] > cap
        if not self.has_pickups:
            return over
        over |= r.picked + self.pickup[si] > cap
        room = self._room(vi, si)
        if room is not None and not room.any() and not over.any():
            worst = np.maximum(r.before_max[-1] + self.demand[si],
                               r.after_max[0] + self.pickup[si])
            over = worst > cap
        return over

    def _full_units(self, vi: int, si: int) -> np.ndarray:
        """The units to name as full when no position has room for the stop."""
        over = self._over(vi, si)
        if not over.any():
            over = (self.demand[si] > 0) | (self.pickup[si] > 0)
        return over

    # -- insertion ----------------------------------------------------------------------

    def _positions(self, vi: int, si: int) -> tuple[np.ndarray, np.ndarray, str | None]:
        """Positions passing the window check, cheapest first, with their added cost; or the
        timing rule that rules out every position."""
        r = self.routes[vi]
        v = self.problem.vehicles[vi]
        tt = self.timer.travel(v.speed_factor)
        node = self.timer.n_depots + si
        a, b = self.windows[si]
        start = np.maximum(r.finish + tt[r.prev_nodes, node], a)
        in_window = start <= b
        ok = in_window & (start + self.service[si] + tt[node, r.next_nodes] <= r.latest)
        room = self._room(vi, si)
        if room is not None:
            if ok.any() and not (ok & room).any():
                return np.flatnonzero(room), np.flatnonzero(room), COMPARTMENT_FULL
            ok &= room
        pos = np.flatnonzero(ok)
        if not len(pos):
            # Returning late is a shift problem; arriving late at this or another stop is
            # a window problem.
            back_late = bool(in_window[-1]) and not in_window[:-1].any()
            return pos, pos, SHIFT_EXCEEDED if back_late else WINDOW_UNREACHABLE
        p, n = r.prev_nodes[pos], r.next_nodes[pos]
        added = (self.dist[p, node] + self.dist[node, n] - self.dist[p, n]) * self.km_cost[vi]
        if not r.stops:
            added = added + v.fixed_cost
        order = np.argsort(added, kind="stable")
        return pos[order], added[order], None

    def best_insertion(self, si: int, vehicles: list[int] | None = None,
                       ) -> tuple[float, int, int] | None:
        """(added cost, vehicle, position) of the cheapest feasible insertion, or None."""
        best = None
        seen_empty: set[tuple] = set()
        for vi in (self.allowed[si] if vehicles is None else vehicles):
            r = self.routes[vi]
            if not r.stops:
                sig = self._empty_signature(vi)
                if sig in seen_empty:
                    continue  # an identical idle vehicle was already tried
                seen_empty.add(sig)
            if np.any(r.load + self.demand[si] > self.capacity[vi]) or (
                    self.has_pickups and np.any(r.picked + self.pickup[si] > self.capacity[vi])):
                continue
            pos, added, rule = self._positions(vi, si)
            if rule is not None:
                continue
            v = self.problem.vehicles[vi]
            for k in range(min(len(pos), MAX_TRIES_PER_VEHICLE)):
                if best is not None and added[k] >= best[0]:
                    break
                p = int(pos[k])
                seq = r.stops[:p] + [si] + r.stops[p:]
                if not isinstance(self.timer.schedule(v, seq), Infeasible):
                    best = (float(added[k]), vi, p)
                    break
        return best

    def _empty_signature(self, vi: int) -> tuple:
        v = self.problem.vehicles[vi]
        return (v.depot, v.shift_start, v.shift_end, v.max_duration_s, v.speed_factor,
                v.id if v.on_road else None,
                v.fixed_cost, v.cost_per_km, tuple(self.capacity[vi]))

    def insert(self, si: int, vi: int, pos: int) -> None:
        self.routes[vi].stops.insert(pos, si)
        self._refresh(vi)

    def insert_all(self, stops: list[int], deadline: float | None = None,
                   ) -> tuple[list[int], list[int]]:
        """Insert each stop at its cheapest feasible place, in the given order.

        Returns (stops that fit nowhere, stops not tried before ``deadline``). An optional
        stop is only inserted where it costs less than its drop penalty.
        """
        misfits: list[int] = []
        for k, si in enumerate(stops):
            if deadline is not None and time.monotonic() > deadline:
                return misfits, list(stops[k:])
            best = self.best_insertion(si)
            penalty = self.problem.stops[si].drop_penalty
            if best is None or (penalty is not None and best[0] >= penalty):
                misfits.append(si)
            else:
                self.insert(si, best[1], best[2])
        return misfits, []

    # -- explanation --------------------------------------------------------------------

    def explain(self, si: int) -> Unassigned:
        """Why stop ``si`` fits nowhere in the current routes (call after insertion failed)."""
        stop = self.problem.stops[si]
        full: Counter[str] = Counter()
        timing: Counter[str] = Counter()
        details: dict[str, str] = {}
        for vi in self.allowed[si]:
            v = self.problem.vehicles[vi]
            r = self.routes[vi]
            over = self._over(vi, si)
            pos, _, rule = self._positions(vi, si)
            if rule == COMPARTMENT_FULL:
                # Every position the timing allows overflows a compartment.
                rule, over = None, self._full_units(vi, si)
            elif rule is None:
                for p in pos[:MAX_TRIES_PER_VEHICLE]:
                    res = self.timer.schedule(v, r.stops[:int(p)] + [si] + r.stops[int(p):])
                    if not isinstance(res, Infeasible):
                        rule = None
                        break
                    if res.reason == "capacity":
                        rule, over = None, self._full_units(vi, si)
                        break
                    rule = {"cold_chain": COLD_CHAIN_UNREACHABLE,
                            "time_window": WINDOW_UNREACHABLE}.get(res.reason, SHIFT_EXCEEDED)
                    details.setdefault(rule, res.message)
            if rule is None and np.any(over):
                cls = [TEMPERATURE_CLASSES[i % len(TEMPERATURE_CLASSES)]
                       for i in np.flatnonzero(over)]
                full[cls[0]] += 1
            elif rule is not None:
                timing[rule] += 1
        n = len(self.allowed[si])
        if full:
            return Unassigned(stop.id, COMPARTMENT_FULL,
                              N_("the {classes} compartment is full on every vehicle that could "
                                 "reach it in its window ({full} of {n} vehicle(s)); {timing}",
                                 classes=joined([word(c) for c in sorted(full)]),
                                 full=sum(full.values()), n=n, timing=_timing_summary(timing)))
        rule = timing.most_common(1)[0][0] if timing else WINDOW_UNREACHABLE
        what = {WINDOW_UNREACHABLE: N_("would reach it after its window closes or make a later "
                                       "stop late"),
                COLD_CHAIN_UNREACHABLE: N_("would exceed its cold-chain limit ({limit} s after "
                                           "departure)", limit=self.timer.limits[si]),
                SHIFT_EXCEEDED: N_("would end after the shift or the maximum duration")}[rule]
        if rule in details:
            return Unassigned(stop.id, rule,
                              N_("fits in no route of the plan: {count} of {n} vehicle(s) {what} "
                                 "(e.g. {example}); {timing}", count=timing[rule], n=n,
                                 what=what, example=details[rule],
                                 timing=_timing_summary(timing)))
        return Unassigned(stop.id, rule,
                          N_("fits in no route of the plan: {count} of {n} vehicle(s) {what}; "
                             "{timing}", count=timing[rule], n=n, what=what,
                             timing=_timing_summary(timing)))


def _timing_summary(timing: Counter[str]) -> str:
    if not timing:
        return N_("no vehicle is held back by timing")
    return N_("by rule: {rules}", rules=joined([N_("{rule} {count}", rule=k, count=v)
                                                for k, v in timing.most_common()]))


def no_plan_in_time(problem: Problem, si: int) -> Unassigned:
    return Unassigned(problem.stops[si].id, NO_PLAN_IN_TIME,
                      N_("no plan found within the time limit: the stop was not tried before "
                         "the limit ran out; a longer limit may serve it"))
