"""Re-planning a day under way, from the live state.

When a truck's reefer fails or a truck breaks down mid-route, the dispatcher plans the rest
of the day again from where everything is at ``now``:
- stops already served drop out;
- a working truck that is out drives on from where it is (its last stop, or a position the
  dispatcher gives), with the goods of its remaining stops on board: only it can deliver
  them, and their cold-chain clocks keep running from its original departure;
- the failed truck's goods go back to the warehouse (``returned``): its remaining stops are
  planned again from the depot with goods loaded afresh, on the trucks that are there;
- trucks at the depot (never out, or back from their route) can leave from ``now`` on.
The result is an ordinary problem for :func:`routing.engine.solver.solve`, checked by the
same validator.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .model import OnRoad, Problem, Solution


@dataclass
class LiveDay:
    problem: Problem
    served: list[str] = field(default_factory=list)  # stops already served
    returned: list[str] = field(default_factory=list)  # stops whose goods go back
    on_road: list[str] = field(default_factory=list)  # vehicles driving on


def live_problem(problem: Problem, plan: Solution, now: int, failed: set[str],
                 positions: dict[str, tuple[float, float]] | None = None) -> LiveDay:
    """The rest of the day at ``now`` (seconds of the day); ``failed`` vehicles are out of
    service, ``positions`` where vehicles on the road are (default: the last place left)."""
    positions = positions or {}
    stops = {s.id: s for s in problem.stops}
    served: list[str] = []
    returned: list[str] = []
    pinned: dict[str, str] = {}
    on_road: dict[str, OnRoad] = {}
    free_from: dict[str, int] = {}
    for route in plan.routes:
        done = [v for v in route.stops if v.departure <= now]
        left = [v for v in route.stops if v.departure > now]
        served += [v.stop for v in done]
        if route.departure > now or not left:
            # Not gone yet (its goods can still be reloaded), or back or heading back.
            free_from[route.vehicle] = max(free_from.get(route.vehicle, now),
                                           now if route.departure > now else route.end)
            continue
        if route.vehicle in failed:
            returned += [v.stop for v in left]
            continue
        last = done[-1] if done else None
        where = positions.get(route.vehicle) or (
            (stops[last.stop].lat, stops[last.stop].lon) if last else _depot_at(problem, route))
        on_road[route.vehicle] = OnRoad(where[0], where[1], max(now, last.departure if last
                                                                 else route.departure),
                                        route.departure)
        for v in left:
            pinned[v.stop] = route.vehicle
    vehicles = []
    for v in problem.vehicles:
        if v.id in failed:
            continue
        if v.id in on_road:
            vehicles.append(replace(v, on_road=on_road[v.id], waves=[]))
        else:
            start = max(v.shift_start, free_from.get(v.id, now), now)
            if start < v.shift_end:
                vehicles.append(replace(v, shift_start=start,
                                        waves=[w for w in v.waves if w > start]))
    rest = [replace(s, on_vehicle=pinned.get(s.id)) for s in problem.stops
            if s.id not in set(served)]
    return LiveDay(replace(problem, stops=rest, vehicles=vehicles), served=served,
                   returned=returned, on_road=sorted(on_road))


def _depot_at(problem: Problem, route) -> tuple[float, float]:
    depot = problem.depot(route.depot)
    return depot.lat, depot.lon
