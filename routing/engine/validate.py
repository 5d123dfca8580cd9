"""Independent check of a plan against its problem.

Nothing here trusts the solution's own figures or the optimiser: travel is recomputed from
the problem's matrices in floating point (no rounding in the plan's favour), loads are summed
from the stops' demands, and every rule is checked with a tolerance of one second.

Loads are followed leg by leg: the vehicle leaves with all its route's deliveries, and at
each stop unloads that stop's delivery and takes on its pickup; every leg must fit in the
compartments, and what was collected must come back to the depot.

With rush hours, each leg's travel is computed from the time the vehicle leaves the previous
place, through the day's traffic profile, without rounding.
"""

from __future__ import annotations

import itertools
from collections import Counter

from .diagnose import REASONS
from .matrix import GreatCircleProvider, Matrices, build_matrices
from .model import TEMPERATURE_CLASSES, Problem, Solution

TIME_TOL_S = 1.0
KM_TOL = 0.01
KG_TOL = 1e-6


def validate(problem: Problem, solution: Solution,
             matrices: Matrices | None = None) -> list[str]:
    """Return every violation found as a readable sentence; an empty list means valid."""
    if matrices is None:
        matrices = build_matrices(problem.points(),
                                  GreatCircleProvider(problem.matrix.circuity,
                                                      problem.matrix.speed_kmh))
    out: list[str] = []
    depots = {d.id: (i, d) for i, d in enumerate(problem.depots)}
    stops = {s.id: (len(problem.depots) + i, s) for i, s in enumerate(problem.stops)}
    vehicles = {v.id: v for v in problem.vehicles}
    served: Counter[str] = Counter()
    used: Counter[str] = Counter()
    total_km = 0.0
    total_cost = 0.0
    traffic = problem.traffic
    n_points = len(problem.depots) + len(problem.stops)
    origins = {v.id: n_points + k for k, v in enumerate(w for w in problem.vehicles if w.on_road)}
    # A vehicle's fixed cost is paid on its first route of the day (second trips).
    first_route: dict[str, int] = {}
    for r_i, route in enumerate(solution.routes):
        if route.vehicle not in first_route or (
                route.departure < solution.routes[first_route[route.vehicle]].departure):
            first_route[route.vehicle] = r_i

    for r_i, route in enumerate(solution.routes):
        where = f"route {r_i} ({route.vehicle})"
        v = vehicles.get(route.vehicle)
        used[route.vehicle] += 1
        if v is None:
            out.append(f"{where}: unknown vehicle")
            continue
        if route.depot != v.depot:
            out.append(f"{where}: starts at depot {route.depot!r}, vehicle belongs to {v.depot!r}")
        if not route.stops:
            out.append(f"{where}: route has no stops")
        d_node, depot = depots[v.depot]
        f = v.speed_factor
        earliest = max(v.shift_start, depot.open) + depot.loading_s
        latest_back = min(v.shift_end, depot.close)
        on_road = v.on_road
        clock = route.departure if on_road is None else on_road.departed
        if on_road is not None:
            # Re-planned under way: it drives on from where it is, not before it can.
            if route.departure < on_road.at - TIME_TOL_S:
                out.append(f"{where}: drives on at {route.departure}, before it can "
                           f"({on_road.at})")
            if route.start != route.departure:
                out.append(f"{where}: start {route.start} is not when it drives on "
                           f"({route.departure})")
            prev_node = origins[v.id]
        else:
            if route.departure < earliest - TIME_TOL_S:
                out.append(f"{where}: departs at {route.departure}, before shift/depot opening "
                           f"plus loading ({earliest})")
            if route.start != route.departure - depot.loading_s:
                out.append(f"{where}: loading start {route.start} does not match departure "
                           f"{route.departure} minus loading {depot.loading_s}")
            prev_node = d_node
        prev_time = route.departure
        metres = 0.0
        loads: dict[str, list[float]] = {}
        legs = _legs(problem, route, stops)
        for c, (crates, kg, after) in legs.items():
            comp = v.compartment(c)
            if comp is None:
                continue
            if crates > comp.crates or kg > comp.kg + KG_TOL:
                out.append(f"{where}: {c} load {crates} crates {kg:.3f} kg {after}, over "
                           f"capacity {comp.crates} crates {comp.kg} kg")
        for k, visit in enumerate(route.stops):
            vw = f"{where} stop {k} ({visit.stop})"
            if visit.stop not in stops:
                out.append(f"{vw}: unknown stop")
                continue
            node, stop = stops[visit.stop]
            if stop.on_vehicle is not None and stop.on_vehicle != v.id:
                out.append(f"{vw}: its goods are on {stop.on_vehicle}, not on this vehicle")
            served[visit.stop] += 1
            travel = traffic.arrive(prev_time, float(matrices.time_s[prev_node, node]) * f
                                    ) - prev_time
            metres += float(matrices.distance_m[prev_node, node])
            if visit.arrival < prev_time + travel - TIME_TOL_S:
                out.append(f"{vw}: arrives at {visit.arrival}, but cannot be there before "
                           f"{prev_time + travel:.1f} (travel {travel:.1f} s)")
            if visit.service_start < visit.arrival:
                out.append(f"{vw}: service starts at {visit.service_start} before arrival "
                           f"{visit.arrival}")
            a, b = stop.window
            if visit.service_start < a - TIME_TOL_S or visit.service_start > b + TIME_TOL_S:
                out.append(f"{vw}: service starts at {visit.service_start}, outside window "
                           f"[{a}, {b}]")
            handled = (sum(q.crates for q in stop.demand.values())
                       + sum(q.crates for q in stop.pickup.values()))
            service = stop.service_fixed_s + stop.service_per_crate_s * handled
            if visit.departure < visit.service_start + service - TIME_TOL_S:
                out.append(f"{vw}: leaves at {visit.departure}, service of {service:.0f} s "
                           f"started at {visit.service_start}")
            elapsed = visit.service_start - clock
            if abs(visit.since_departure_s - elapsed) > TIME_TOL_S:
                out.append(f"{vw}: reports {visit.since_departure_s} s since departure, "
                           f"actual {elapsed}")
            limit = problem.cold_chain_limit(stop)
            if limit is not None and elapsed > limit + TIME_TOL_S:
                out.append(f"{vw}: cold-chain limit {limit} s exceeded: delivered {elapsed} s "
                           "after leaving the depot")
            for c in stop.classes:
                want = stop.demand[c]
                got = visit.delivered.get(c)
                if got is None or got.crates != want.crates or abs(got.kg - want.kg) > KG_TOL:
                    out.append(f"{vw}: delivers {got} of {c}, demand is {want}")
                if v.compartment(c) is None:
                    out.append(f"{vw}: {c} goods on a vehicle without a {c} compartment")
                acc = loads.setdefault(c, [0, 0.0])
                acc[0] += want.crates
                acc[1] += want.kg
            extra = set(visit.delivered) - set(stop.classes)
            if any(visit.delivered[c].crates or visit.delivered[c].kg for c in extra):
                out.append(f"{vw}: delivers classes {sorted(extra)} the stop did not order")
            for c, want in stop.pickup.items():
                if not (want.crates or want.kg):
                    continue
                got = visit.picked_up.get(c)
                if got is None or got.crates != want.crates or abs(got.kg - want.kg) > KG_TOL:
                    out.append(f"{vw}: collects {got} of {c}, the stop sends back {want}")
                if v.compartment(c) is None:
                    out.append(f"{vw}: collects {c} goods on a vehicle without a {c} "
                               "compartment")
            extra = {c for c, q in visit.picked_up.items() if q.crates or q.kg} - {
                c for c, q in stop.pickup.items() if q.crates or q.kg}
            if extra:
                out.append(f"{vw}: collects classes {sorted(extra)} the stop does not send back")
            if stop.vehicle_kinds is not None and v.kind not in stop.vehicle_kinds:
                out.append(f"{vw}: a vehicle of kind {v.kind!r} calls, the stop admits only "
                           f"{', '.join(stop.vehicle_kinds) or 'none'}")
            prev_node, prev_time = node, visit.departure
        back_travel = traffic.arrive(prev_time, float(matrices.time_s[prev_node, d_node]) * f
                                     ) - prev_time
        metres += float(matrices.distance_m[prev_node, d_node])
        if route.end < prev_time + back_travel - TIME_TOL_S:
            out.append(f"{where}: back at {route.end}, cannot be before "
                       f"{prev_time + back_travel:.1f}")
        if route.end > latest_back + TIME_TOL_S:
            out.append(f"{where}: back at {route.end}, after shift end/depot closing "
                       f"{latest_back}")
        out.extend(_rest_problems(problem, route, stops, where))
        duration = route.end - clock + depot.loading_s
        if v.max_duration_s is not None and duration > v.max_duration_s + TIME_TOL_S:
            out.append(f"{where}: takes {duration} s, maximum is {v.max_duration_s} s")
        if abs(route.duration_s - duration) > TIME_TOL_S:
            out.append(f"{where}: reports duration {route.duration_s} s, actual {duration} s")
        for c, (crates, kg) in loads.items():
            comp = v.compartment(c)
            if comp is None:
                continue
            if crates > comp.crates:
                out.append(f"{where}: {c} load {crates} crates over capacity {comp.crates}")
            if kg > comp.kg + KG_TOL:
                out.append(f"{where}: {c} load {kg:.3f} kg over capacity {comp.kg}")
            claim = route.load.get(c)
            if claim is None or claim.crates != crates or abs(claim.kg - kg) > 1e-3:
                out.append(f"{where}: reports {c} load {claim}, actual {crates} crates "
                           f"{kg:.3f} kg")
        km = metres / 1000
        if abs(route.distance_km - km) > KM_TOL + 1e-6 * km:
            out.append(f"{where}: reports {route.distance_km:.3f} km, actual {km:.3f} km")
        cost = (v.fixed_cost if first_route[route.vehicle] == r_i else 0.0) + v.cost_per_km * km
        if abs(route.cost - cost) > 0.01 + 1e-6 * cost:
            out.append(f"{where}: reports cost {route.cost:.2f}, actual {cost:.2f}")
        total_km += km
        total_cost += cost

    for vid, n in used.items():
        v = vehicles.get(vid)
        allowed = len(v.trips()) if v is not None else 1
        if n > allowed:
            out.append(f"vehicle {vid} is used by {n} routes"
                       + (f", it may make {allowed} trips" if allowed > 1 else ""))
        mine = sorted((r for r in solution.routes if r.vehicle == vid), key=lambda r: r.start)
        for a, b in itertools.pairwise(mine):
            if b.start < a.end - TIME_TOL_S:
                out.append(f"vehicle {vid}: a trip starts loading at {b.start}, before its "
                           f"previous trip is back at {a.end}")
    unassigned = Counter(u.stop for u in solution.unassigned)
    for u in solution.unassigned:
        if u.stop not in stops:
            out.append(f"unassigned stop {u.stop!r} is not in the problem")
        if u.reason not in REASONS:
            out.append(f"unassigned stop {u.stop}: unknown reason {u.reason!r}")
    for s in problem.stops:
        n = served[s.id] + unassigned[s.id]
        if n == 0:
            out.append(f"stop {s.id} is neither served nor listed as unassigned")
        elif served[s.id] > 1:
            out.append(f"stop {s.id} is served {served[s.id]} times")
        elif n > 1:
            out.append(f"stop {s.id} is both served and listed as unassigned"
                       if served[s.id] else f"stop {s.id} is listed as unassigned twice")
    if solution.vehicles_used != len(solution.routes):
        out.append(f"reports {solution.vehicles_used} vehicles used, routes use "
                   f"{len(solution.routes)}")
    if abs(solution.total_distance_km - total_km) > KM_TOL * (1 + len(solution.routes)):
        out.append(f"reports {solution.total_distance_km:.3f} km in total, actual "
                   f"{total_km:.3f} km")
    if abs(solution.total_cost - total_cost) > 0.01 * (1 + len(solution.routes)):
        out.append(f"reports total cost {solution.total_cost:.2f}, actual {total_cost:.2f}")
    return out


def _legs(problem: Problem, route, stops) -> dict[str, tuple[int, float, str]]:
    """The heaviest leg per class, with where it is: (crates, kg, place)."""
    served = [stops[v.stop][1] for v in route.stops if v.stop in stops]
    worst: dict[str, tuple[int, float, str]] = {}
    for c in TEMPERATURE_CLASSES:
        crates = sum(s.demand[c].crates for s in served if c in s.demand)
        kg = sum(s.demand[c].kg for s in served if c in s.demand)
        best = (crates, kg, "on leaving the depot")
        for s in served:
            if c in s.demand:
                crates -= s.demand[c].crates
                kg -= s.demand[c].kg
            if c in s.pickup:
                crates += s.pickup[c].crates
                kg += s.pickup[c].kg
            if crates > best[0] or kg > best[1] + KG_TOL:
                best = (max(crates, best[0]), max(kg, best[1]), f"after {s.id}")
        if best[0] or best[1]:
            worst[c] = best
    return worst


def _rest_problems(problem: Problem, route, stops, where: str) -> list[str]:
    """The driver rests as the rule says, at a stop, outside its service."""
    rule, rest, out = problem.rest, route.rest, []
    if rule is None:
        return out
    if rest is None:
        if route.end - route.departure > rule.max_stretch_s + TIME_TOL_S:
            out.append(f"{where}: drives {route.end - route.departure} s without a rest; the "
                       f"rule allows {rule.max_stretch_s} s")
        return out
    start, end = rest.get("start"), rest.get("end")
    visit = next((v for v in route.stops if v.stop == rest.get("stop")), None)
    if visit is None or not isinstance(start, int | float) or not isinstance(end, int | float):
        return [f"{where}: rest {rest} is not at one of its stops"]
    if end - start < rule.length_s - TIME_TOL_S:
        out.append(f"{where}: rest of {end - start} s, the rule asks {rule.length_s} s")
    stop = stops[visit.stop][1]
    handled = (sum(q.crates for q in stop.demand.values())
               + sum(q.crates for q in stop.pickup.values()))
    service_end = visit.service_start + stop.service_fixed_s + stop.service_per_crate_s * handled
    waiting = visit.arrival - TIME_TOL_S <= start and end <= visit.service_start + TIME_TOL_S
    after = service_end - TIME_TOL_S <= start and end <= visit.departure + TIME_TOL_S
    if not (waiting or after):
        out.append(f"{where}: rest {start}..{end} at {visit.stop} overlaps its service "
                   f"({visit.service_start}..{service_end:.0f}) or is not while the vehicle "
                   f"is there ({visit.arrival}..{visit.departure})")
    if start - route.departure > rule.max_stretch_s + TIME_TOL_S:
        out.append(f"{where}: rests {start - route.departure} s after leaving, the rule "
                   f"allows {rule.max_stretch_s} s")
    if route.end - end > rule.max_stretch_s + TIME_TOL_S:
        out.append(f"{where}: drives {route.end - end} s after its rest, the rule allows "
                   f"{rule.max_stretch_s} s")
    return out
