"""Ruin and recreate around OR-Tools' local search.

Guided local search levels off after a few seconds on 100-stop days (a few per cent above
the best known plans on Solomon's instances). This loop keeps going from there: remove a few
strings of nearby stops from a few routes (SISR, Christiaens and Vanden Berghe 2020), put
them back by cheapest feasible insertion (``routing.engine.insertion``, the drivers' own
schedule decides), let OR-Tools' greedy descent polish the result, and accept it by
simulated annealing so the search can climb out of the basin it was in.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

import numpy as np

from .insertion import Inserter

Sequences = dict[int, list[int]]


class RuinRecreate:
    def __init__(self, inserter: Inserter, servable: list[int],
                 cost: Callable[[Sequences], float],
                 polish: Callable[[Sequences, float], Sequences | None],
                 seed: int = 1, avg_removed: float = 10.0, max_string: int = 10,
                 polish_within: float = 0.01):
        self.inserter = inserter
        self.cost = cost
        self.polish = polish
        self.rng = random.Random(seed)
        self.avg_removed = avg_removed
        self.max_string = max_string
        # Local search costs about 20 recreates, so it is spent on candidates near the best.
        self.polish_within = polish_within
        timer = inserter.timer
        nodes = np.asarray([timer.n_depots + si for si in servable])
        d = timer.matrices.distance_m[np.ix_(nodes, nodes)]
        order = np.argsort(d, axis=1)
        self.neighbours = {si: [servable[j] for j in order[k]] for k, si in enumerate(servable)}
        self.servable = servable
        self.stats = {"iterations": 0, "accepted": 0, "improved": 0}

    def run(self, start: Sequences, deadline: float,
            on_best: Callable[[float], None] | None = None) -> Sequences:
        current, best = _copy(start), _copy(start)
        cur_cost = best_cost = self.cost(start)
        self.stats["start_cost"] = round(cur_cost, 2)
        began = time.monotonic()
        span = max(1e-3, deadline - began)
        # Start willing to accept a plan about 0.5 % worse, end accepting only better ones.
        t_start = max(1e-6, 0.005 * cur_cost / 3)
        t_end = t_start / 50
        # Small days are done long before the limit: stop when a long run finds nothing new.
        patience = max(50, 10 * len(self.servable))
        since_best = 0
        while time.monotonic() < deadline and since_best < patience:
            self.stats["iterations"] += 1
            since_best += 1
            candidate = self._recreate(*self._ruin(current))
            c = self.cost(candidate)
            left = deadline - time.monotonic()
            if left > 0.02 and c <= best_cost * (1 + self.polish_within):
                polished = self.polish(candidate, min(1.0, left))
                if polished is not None:
                    candidate, c = polished, self.cost(polished)
                    self.stats["polished"] = self.stats.get("polished", 0) + 1
            progress = min(1.0, (time.monotonic() - began) / span)
            temperature = t_start * (t_end / t_start) ** progress
            if c < cur_cost or self.rng.random() < math.exp(
                    max(-50.0, -(c - cur_cost) / temperature)):
                current, cur_cost = candidate, c
                self.stats["accepted"] += 1
                if c < best_cost - 1e-9:
                    best, best_cost = _copy(candidate), c
                    since_best = 0
                    self.stats["improved"] += 1
                    if on_best is not None:
                        on_best(best_cost)
        self.stats["best_cost"] = round(best_cost, 2)
        return best

    def _ruin(self, plan: Sequences) -> tuple[Sequences, list[int]]:
        where = {si: vi for vi, seq in plan.items() for si in seq}
        routed = [si for si in self.servable if si in where]
        if not routed:
            return _copy(plan), []
        plan = _copy(plan)
        mean_len = sum(map(len, plan.values())) / max(1, len(plan))
        l_max = min(self.max_string, mean_len)
        k_max = 4 * self.avg_removed / (1 + l_max) - 1
        n_routes = int(self.rng.random() * k_max) + 1
        removed: list[int] = []
        ruined: set[int] = set()
        for si in self.neighbours[self.rng.choice(routed)]:
            if len(ruined) >= n_routes:
                break
            vi = where.get(si)
            if vi is None or vi in ruined or si in removed:
                continue
            seq = plan[vi]
            length = max(1, int(self.rng.random() * min(l_max, len(seq))) + 1)
            pos = seq.index(si)
            first = max(0, min(pos - self.rng.randrange(length), len(seq) - length))
            removed += seq[first:first + length]
            plan[vi] = seq[:first] + seq[first + length:]
            ruined.add(vi)
        return {vi: s for vi, s in plan.items() if s}, removed

    def _recreate(self, plan: Sequences, removed: list[int]) -> Sequences:
        problem = self.inserter.problem
        how = self.rng.random()
        if how < 0.4:
            self.rng.shuffle(removed)
        elif how < 0.7:
            removed.sort(key=lambda si: problem.stops[si].window[1])
        else:
            removed.sort(key=lambda si: -problem.stops[si].crates)
        self.inserter.set_routes(plan)
        self.inserter.insert_all(removed)
        return self.inserter.sequences()


def _copy(plan: Sequences) -> Sequences:
    return {vi: list(seq) for vi, seq in plan.items()}
