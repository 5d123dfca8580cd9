"""Second trips: a vehicle back at its depot reloads and goes out again within its shift.

Each vehicle's shift is cut into trips at its ``waves`` (a morning and a midday wave), and
the planner sees one vehicle per trip: the first from the shift's start to the first wave,
the next from there, loading again before it leaves. Trips of one vehicle are thereby chained
in time (one is back before the next loads), each is timed from its own departure, so the
cold-chain limit counts from each departure, and the optimiser needs no constraint of its
own. The vehicle's fixed cost is paid once, on its first route of the day.
"""

from __future__ import annotations

from dataclasses import replace

from .model import Problem, Solution


def has_trips(problem: Problem) -> bool:
    return any(v.waves for v in problem.vehicles)


def expand(problem: Problem) -> tuple[Problem, dict[str, tuple[str, int]]]:
    """The problem with one vehicle per trip, and trip vehicle id -> (vehicle id, trip)."""
    vehicles, origin = [], {}
    for v in problem.vehicles:
        for t, (start, end) in enumerate(v.trips(), start=1):
            vid = v.id if t == 1 else f"{v.id}~{t}"
            vehicles.append(replace(v, id=vid, shift_start=start, shift_end=end, waves=[],
                                    fixed_cost=v.fixed_cost if t == 1 else 0.0))
            origin[vid] = (v.id, t)
    return replace(problem, vehicles=vehicles), origin


def merge(problem: Problem, solution: Solution, origin: dict[str, tuple[str, int]]) -> Solution:
    """The trips' routes under their vehicles' ids, the fixed cost on each vehicle's first."""
    vehicles = {v.id: v for v in problem.vehicles}
    for route in solution.routes:
        route.vehicle, route.trip = origin[route.vehicle]
    first: dict[str, int] = {}
    for k, route in enumerate(solution.routes):
        if route.vehicle not in first or route.trip < solution.routes[first[route.vehicle]].trip:
            first[route.vehicle] = k
    for k, route in enumerate(solution.routes):
        v = vehicles[route.vehicle]
        route.cost = (v.fixed_cost if first[route.vehicle] == k else 0.0) + (
            v.cost_per_km * route.distance_km)
    solution.routes.sort(key=lambda r: (r.vehicle, r.trip))
    solution.total_cost = sum(r.cost for r in solution.routes)
    solution.vehicles_used = len(solution.routes)
    solution.stats["vehicles_with_second_trips"] = len(
        {r.vehicle for r in solution.routes if r.trip > 1})
    return solution
