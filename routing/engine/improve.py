"""Ruin and recreate around OR-Tools' local search.

Guided local search levels off after a few seconds on 100-stop days (a few per cent above
the best known plans on Solomon's instances). This loop keeps going from there with slack
induction by string removals (SISR, Christiaens and Vanden Berghe 2020): remove strings of
nearby stops from a few routes (some with a few stops kept in the middle, the paper's split
string), put them back by cheapest insertion with blinks (each position skipped with a
small probability, so equal-cost choices vary), and accept by simulated annealing.

The loop's worth is its number of rounds, so one round is cheap: every insertion position
of every route is checked for windows, shift and capacity at once in NumPy, and only the
route that changed is re-timed. That check is exact for windows, the shift and capacities;
cold-chain limits, maximum durations, rests, rush hours and pickups are further checked by
the drivers' schedule (:meth:`RouteTimer.schedule`) before a position is taken, so every
plan the loop holds can be driven as planned.

Longer than 400 lines because the ruin (strings, split strings), the recreate (the array
check of every position, blinks, re-timing one route) and the acceptance share one set of
per-route arrays that are kept in step round after round; split, each part would have to
reach into the others' state.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

import numpy as np

from .insertion import Inserter
from .schedule import Infeasible

Sequences = dict[int, list[int]]

BLINK = 0.01  # the paper's blink rate
SPLIT_DEPTH = 0.01  # chance to stop growing the kept part of a split string
# How many positions the schedule checks, cheapest first, when the window check is not
# the whole story (cold chain, rests, rush hours, ...).
MAX_SCHEDULE_TRIES = 8


class _Route:
    """One vehicle's stops and the figures for checking insertions into them."""

    __slots__ = ("cost", "finish", "latest", "load", "next", "prev", "stops")

    def __init__(self, stops, finish, latest, prev, nxt, load, cost):
        self.stops, self.finish, self.latest = stops, finish, latest
        self.prev, self.next, self.load, self.cost = prev, nxt, load, cost


class RuinRecreate:
    def __init__(self, inserter: Inserter, servable: list[int],
                 cost: Callable[[Sequences], float],
                 polish: Callable[[Sequences, float], Sequences | None] | None = None,
                 seed: int = 1, avg_removed: float = 10.0, max_string: int = 10,
                 missing_cost: float = 1e9, t_start: float = 1.0, t_end: float = 0.01):
        self.inserter = inserter
        self.cost = cost
        self.polish = polish
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.avg_removed = avg_removed
        self.max_string = max_string
        # Temperatures as multiples of the plan's mean cost per stop, so one setting fits
        # days in metres and days in currency alike.
        self.t_start_rel, self.t_end_rel = t_start, t_end
        problem, timer = inserter.problem, inserter.timer
        self.problem, self.timer = problem, timer
        self.servable = servable
        nv = len(problem.vehicles)
        self.nv = nv
        nd = timer.n_depots
        self.nd = nd
        nodes = np.asarray([nd + si for si in servable])
        d = timer.matrices.distance_m[np.ix_(nodes, nodes)]
        order = np.argsort(d, axis=1, kind="stable")
        self.neighbours = {si: [servable[j] for j in order[k]] for k, si in enumerate(servable)}
        vehicles = problem.vehicles
        self.exact = (not problem.traffic and problem.rest is None and not timer.has_pickups
                      and all(v.max_duration_s is None for v in vehicles)
                      and all(timer.limits[si] is None for si in servable))
        speeds = sorted({v.speed_factor for v in vehicles})
        self.tt_stack = np.stack([timer.travel(s) for s in speeds]).astype(np.int64)
        self.group = np.asarray([speeds.index(v.speed_factor) for v in vehicles], dtype=np.int64)
        self.tt_lists = [timer.travel(s).tolist() for s in speeds]
        self.dist = np.asarray(timer.matrices.distance_m, dtype=np.float64)
        self.dist_list = self.dist.tolist()
        self.km = np.asarray([v.cost_per_km / 1000 for v in vehicles], dtype=np.float64)
        self.fixed = np.asarray([v.fixed_cost for v in vehicles], dtype=np.float64)
        self.capacity = inserter.capacity
        self.demand = inserter.demand
        self.win = [tuple(int(x) for x in w) for w in inserter.windows]
        self.service = [int(x) for x in inserter.service]
        self.allowed = np.zeros((len(problem.stops), nv), dtype=bool)
        for si in servable:
            self.allowed[si, inserter.allowed[si]] = True
        self.origin = [timer.origin(v) for v in vehicles]
        self.end = [timer.depot_node[v.depot] for v in vehicles]
        self.end_a = np.asarray(self.end, dtype=np.int64)
        self.bounds = [timer.bounds(v) for v in vehicles]
        sigs: dict[tuple, int] = {}
        self.signature = [sigs.setdefault(inserter._empty_signature(vi), len(sigs))
                          for vi in range(nv)]
        self.penalty = {si: (missing_cost if problem.stops[si].drop_penalty is None
                             else float(problem.stops[si].drop_penalty)) for si in servable}
        self.optional = {si: float(problem.stops[si].drop_penalty) for si in servable
                         if problem.stops[si].drop_penalty is not None}
        depot_d = self.dist[[self.end[inserter.allowed[si][0]] if inserter.allowed[si] else 0
                             for si in servable], nodes]
        self.far = {si: float(x) for si, x in zip(servable, depot_d, strict=True)}
        self.crates = {si: int(self.demand[si].sum()) for si in servable}
        self.stats = {"iterations": 0, "accepted": 0, "improved": 0}
        self.routes: list[_Route] = []
        self.single_speed = len(speeds) == 1
        self.tt0 = self.tt_stack[0]
        self.tt0_t = np.ascontiguousarray(self.tt0.T)
        self.dist_t = np.ascontiguousarray(self.dist.T)
        self.uniform_cost = (not self.fixed.any()) and bool(np.all(self.km == self.km[0]))
        self._alloc(16)

    # -- routes -------------------------------------------------------------------------

    def _alloc(self, width: int) -> None:
        """Insertion positions as one row per vehicle, padded to ``width``, so that all of
        them are checked by a few array operations and a changed route rewrites one row."""
        nv = self.nv
        self.width = width
        self.prev_a = np.zeros((nv, width), dtype=np.int64)
        self.next_a = np.zeros((nv, width), dtype=np.int64)
        self.fin_a = np.zeros((nv, width), dtype=np.int64)
        self.lat_a = np.full((nv, width), -1, dtype=np.int64)
        self.valid = np.zeros((nv, width), dtype=bool)
        self.cols = np.arange(width)
        self.grp_a = np.repeat(self.group[:, None], width, axis=1)
        for vi, r in enumerate(self.routes):
            self._write(vi, r)
        self._idle()

    def _write(self, vi: int, r: _Route) -> None:
        n = len(r.prev)
        if n > self.width:
            self._alloc(max(2 * self.width, n + 8))
            return
        self.prev_a[vi, :n] = r.prev
        self.next_a[vi, :n] = r.next
        self.fin_a[vi, :n] = r.finish
        self.lat_a[vi, :n] = r.latest
        self.valid[vi] = self.cols < n

    def _idle(self) -> None:
        """Only one idle vehicle of each kind offers its (single) position: identical idle
        vehicles would repeat it."""
        seen: set[int] = set()
        for vi, r in enumerate(self.routes):
            if not r.stops:
                if self.signature[vi] in seen:
                    self.valid[vi] = False
                else:
                    seen.add(self.signature[vi])
                    self.valid[vi] = self.cols < 1

    def _route(self, vi: int, stops: list[int]) -> _Route:
        tt = self.tt_lists[self.group[vi]]
        dl = self.dist_list
        o, d = self.origin[vi], self.end[vi]
        earliest, latest_back = self.bounds[vi]
        nd, win, svc = self.nd, self.win, self.service
        nodes = [nd + s for s in stops]
        finish = [earliest]
        t, prev, metres = earliest, o, 0.0
        for s, node in zip(stops, nodes, strict=True):
            a = win[s][0]
            t = t + tt[prev][node]
            if t < a:
                t = a
            t += svc[s]
            finish.append(t)
            metres += dl[prev][node]
            prev = node
        metres += dl[prev][d]
        latest = [latest_back]
        z, nxt = latest_back, d
        for k in range(len(stops) - 1, -1, -1):
            s = stops[k]
            z = min(win[s][1], z - tt[nodes[k]][nxt] - svc[s])
            latest.append(z)
            nxt = nodes[k]
        latest.reverse()
        load = (self.demand[stops].sum(axis=0) if stops
                else np.zeros(self.demand.shape[1], dtype=np.int64))
        cost = (self.fixed[vi] + self.km[vi] * metres) if stops else 0.0
        return _Route(stops, finish, latest, [o, *nodes], [*nodes, d], load, cost)

    def _inserted(self, vi: int, at: int, si: int, added: float) -> _Route:
        """Route ``vi`` with ``si`` inserted at ``at``: the times before the new stop and
        the latest times after it are unchanged, and either pass stops early once it meets
        the old values again."""
        r = self.routes[vi]
        tt = self.tt_lists[self.group[vi]]
        win, svc = self.win, self.service
        node = self.nd + si
        stops = r.stops[:at] + [si] + r.stops[at:]
        prev = r.prev[:at + 1] + [node] + r.prev[at + 1:]
        nxt = r.next[:at] + [node] + r.next[at:]
        old_f = r.finish
        finish = old_f[:at + 1]
        t, pn = old_f[at], prev[at]
        n = len(stops)
        for k in range(at, n):
            s = stops[k]
            cur = nxt[k]
            t = t + tt[pn][cur]
            a = win[s][0]
            if t < a:
                t = a
            t += svc[s]
            if k > at and t == old_f[k]:
                finish += old_f[k:]
                break
            finish.append(t)
            pn = cur
        old_l = r.latest
        head = []
        z, nx = old_l[at], r.next[at]
        k = at
        while k >= 0:
            s = stops[k]
            z = min(win[s][1], z - tt[prev[k + 1]][nx] - svc[s])
            if k < at and z == old_l[k]:
                break
            head.append(z)
            nx = prev[k + 1]
            k -= 1
        head.reverse()
        latest = old_l[:k + 1] + head + old_l[at:]
        return _Route(stops, finish, latest, prev, nxt, r.load + self.demand[si],
                      r.cost + added)

    def _set(self, plan: Sequences) -> None:
        self.routes = [self._route(vi, list(plan.get(vi, []))) for vi in range(self.nv)]
        self._alloc(max(16, 8 + max(len(r.prev) for r in self.routes)))

    def _plan(self) -> Sequences:
        return {vi: list(r.stops) for vi, r in enumerate(self.routes) if r.stops}

    def _loads(self) -> np.ndarray:
        return np.stack([r.load for r in self.routes])

    def _snapshot(self):
        return (list(self.routes), self.width, self.prev_a.copy(), self.next_a.copy(),
                self.fin_a.copy(), self.lat_a.copy(), self.valid.copy())

    def _restore(self, snap) -> None:
        routes, width = snap[0], snap[1]
        self.routes = routes
        if width != self.width:
            self._alloc(width)
            for vi, r in enumerate(routes):
                self._write(vi, r)
            self._idle()
            return
        self.prev_a, self.next_a, self.fin_a, self.lat_a, self.valid = snap[2:]

    # -- insertion ----------------------------------------------------------------------

    def _insert(self, si: int, loads: np.ndarray) -> float | None:
        """Put ``si`` at its cheapest position (with blinks); its added cost, or None."""
        node = self.nd + si
        a, b = self.win[si]
        prev, nxt = self.prev_a, self.next_a
        if self.single_speed:
            # Indexing one row is cheaper than indexing the matrix by pairs.
            into, out = self.tt0_t[node][prev], self.tt0[node][nxt]
        else:
            into, out = self.tt_stack[self.grp_a, prev, node], self.tt_stack[self.grp_a, node, nxt]
        start = np.maximum(self.fin_a + into, a)
        ok = (start <= b) & (start + self.service[si] + out <= self.lat_a) & self.valid
        fits = np.all(loads + self.demand[si] <= self.capacity, axis=1) & self.allowed[si]
        ok &= fits[:, None]
        idx = np.flatnonzero(ok)
        if len(idx):
            idx = idx[self.np_rng.random(len(idx)) >= BLINK]
        if not len(idx):
            return None
        v, at_ = np.divmod(idx, self.width)
        p, n = prev.flat[idx], nxt.flat[idx]
        dist = self.dist
        added = self.dist_t[node][p] + dist[node][n] - dist[p, n]
        if self.uniform_cost:
            added *= self.km[0]
        else:
            added = (added * self.km[v]
                     + self.fixed[v] * (at_ == 0) * (n == self.end_a[v]))
        # An optional stop only goes where serving it costs less than leaving it out.
        penalty = self.optional.get(si)
        if self.exact:
            k = int(np.argmin(added))
            if penalty is not None and added[k] >= penalty:
                return None
            self._place(int(v[k]), int(at_[k]), si, loads, float(added[k]))
            return float(added[k])
        order = np.argsort(added, kind="stable")
        for k in order[:MAX_SCHEDULE_TRIES]:
            if penalty is not None and added[k] >= penalty:
                break
            vi, at = int(v[k]), int(at_[k])
            stops = self.routes[vi].stops
            seq = stops[:at] + [si] + stops[at:]
            if not isinstance(self.timer.schedule(self.problem.vehicles[vi], seq), Infeasible):
                self._place(vi, at, si, loads, float(added[k]))
                return float(added[k])
        return None

    def _place(self, vi: int, at: int, si: int, loads: np.ndarray, added: float) -> None:
        was_idle = not self.routes[vi].stops
        r = self._inserted(vi, at, si, added)
        self.routes[vi] = r
        loads[vi] = r.load
        self._write(vi, r)
        if was_idle:
            self._idle()

    # -- the loop -----------------------------------------------------------------------

    def run(self, start: Sequences, deadline: float,
            on_best: Callable[[float], None] | None = None) -> Sequences:
        self._set(start)
        unplaced = [si for si in self.servable
                    if si not in {s for r in self.routes for s in r.stops}]
        cur_cost = sum(r.cost for r in self.routes) + sum(self.penalty[si] for si in unplaced)
        best_plan, best_cost = self._plan(), cur_cost
        self.stats["start_cost"] = round(self.cost(start), 2)
        began = time.monotonic()
        span = max(1e-3, deadline - began)
        per_stop = cur_cost / max(1, len(self.servable) - len(unplaced))
        t0 = max(1e-9, self.t_start_rel * per_stop)
        t1 = max(1e-12, self.t_end_rel * per_stop)
        # Small days are done long before the limit: stop when a long run finds nothing new.
        patience = max(5000, 300 * len(self.servable))
        since_best = 0
        check = 0
        now = began
        # The best so far is also told on a clock, not only when it improves: a job's
        # progress must move while the loop searches without finding better.
        told = began
        while since_best < patience:
            check += 1
            if check >= 4:
                check = 0
                now = time.monotonic()
                if now >= deadline:
                    break
                if on_best is not None and now - told >= 0.25:
                    told = now
                    on_best(best_cost)
            self.stats["iterations"] += 1
            since_best += 1
            saved = self._snapshot()
            removed = self._ruin()
            removed += unplaced
            self._order(removed)
            loads = self._loads()
            left = []
            for si in removed:
                if self._insert(si, loads) is None:
                    left.append(si)
            c = sum(r.cost for r in self.routes) + sum(self.penalty[si] for si in left)
            progress = min(1.0, (now - began) / span)
            temperature = t0 * (t1 / t0) ** progress
            # The paper's rule: accept when better than the current plan by more than a
            # random threshold, -T ln U (so worse plans pass with probability e^(-d/T)).
            if c < cur_cost - temperature * math.log(1.0 - self.rng.random()):
                cur_cost, unplaced = c, left
                self.stats["accepted"] += 1
                if c < best_cost - 1e-9:
                    best_plan, best_cost = self._plan(), c
                    since_best = 0
                    self.stats["improved"] += 1
                    if on_best is not None:
                        on_best(best_cost)
            else:
                self._restore(saved)
        self.stats["loop_s"] = round(time.monotonic() - began, 3)
        best = best_plan
        left = deadline - time.monotonic()
        if self.polish is not None and left > 0.05:
            polished = self.polish(best, left)
            if polished is not None and self.cost(polished) < self.cost(best):
                best = polished
                self.stats["polished"] = True
        self.stats["best_cost"] = round(self.cost(best), 2)
        return best

    def _order(self, removed: list[int]) -> None:
        """The paper's sort orders for re-insertion (random, demand, far, close, with
        weights 4, 4, 2, 1), plus closing time of the window for timed days."""
        how = self.rng.random() * 13
        if how < 4:
            self.rng.shuffle(removed)
        elif how < 8:
            removed.sort(key=lambda si: -self.crates[si])
        elif how < 10:
            removed.sort(key=lambda si: -self.far[si])
        elif how < 11:
            removed.sort(key=lambda si: self.far[si])
        else:
            removed.sort(key=lambda si: self.win[si][1])

    def _ruin(self) -> list[int]:
        routes = self.routes
        where = {si: vi for vi, r in enumerate(routes) for si in r.stops}
        if not where:
            return []
        used = [r for r in routes if r.stops]
        mean_len = sum(len(r.stops) for r in used) / len(used)
        ls_max = min(self.max_string, mean_len)
        ks_max = 4 * self.avg_removed / (1 + ls_max) - 1
        k_s = int(self.rng.uniform(1, ks_max + 1))
        seed = self.rng.choice(list(where))
        removed: list[int] = []
        ruined: set[int] = set()
        for si in self.neighbours[seed]:
            if len(ruined) >= k_s:
                break
            vi = where.get(si)
            if vi is None or vi in ruined:
                continue
            seq = routes[vi].stops
            lt_max = min(len(seq), ls_max)
            length = int(self.rng.uniform(1, lt_max + 1))
            pos = seq.index(si)
            if length == len(seq) or self.rng.random() < 0.5:
                first = self._string_start(pos, length, len(seq))
                out = seq[first:first + length]
                keep = seq[:first] + seq[first + length:]
            else:
                # Split string: a string of length + m around si, of which m stops in a row
                # stay; m grows until a 1 % draw or the route's end stops it.
                m = 1
                while length + m < len(seq) and self.rng.random() >= SPLIT_DEPTH:
                    m += 1
                total = length + m
                first = self._string_start(pos, total, len(seq))
                span = seq[first:first + total]
                rel = pos - first
                # The kept stops never include the stop the string was chosen for.
                inners = [i for i in range(length + 1) if not i <= rel < i + m]
                inner = self.rng.choice(inners or range(length + 1))
                out = span[:inner] + span[inner + m:]
                keep = seq[:first] + span[inner:inner + m] + seq[first + total:]
            removed += out
            for s in out:
                where.pop(s, None)
            routes[vi] = self._route(vi, keep)
            self._write(vi, routes[vi])
            ruined.add(vi)
        self._idle()
        return removed

    def _string_start(self, pos: int, length: int, n: int) -> int:
        lo, hi = max(0, pos - length + 1), min(pos, n - length)
        return self.rng.randint(lo, hi)
