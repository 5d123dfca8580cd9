"""Vehicle routing with time windows, compartments and cold-chain limits on OR-Tools.

The optimiser decides which vehicle serves which stops in which order. The times handed to
drivers are then recomputed by :mod:`routing.engine.schedule` from the same integer travel times,
because OR-Tools' own cumul values are only one feasible assignment and need not respect
side constraints added to its CP model. Any route that still breaks a rule after that is
trimmed, and the trimmed stops are reported, so a returned plan always passes the validator.

Longer than 400 lines because the OR-Tools model (dimensions, callbacks, search settings),
the first plan handed to it and the repair of what it returns share their integer scales
and node numbering; split apart, each piece would have to re-derive them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from . import diagnose, trips
from .improve import RuinRecreate
from .insertion import Inserter, no_plan_in_time
from .matrix import GreatCircleProvider, Matrices, MatrixProvider, build_matrices, distance_units
from .messages import N_
from .model import (
    MAX_TIME_S,
    TEMPERATURE_CLASSES,
    ClassLoad,
    Problem,
    Route,
    Solution,
    Unassigned,
    Visit,
)
from .schedule import Infeasible, RouteTimer

Progress = Callable[[float, str], None]

COST_SCALE = 1000  # optimiser costs are integer thousandths of a currency unit
KG_SCALE = 1000  # weights are handled in grams

FIRST_SOLUTION_STRATEGIES = tuple(
    v.name for v in routing_enums_pb2.FirstSolutionStrategy.Value.DESCRIPTOR.values
    if v.name != "UNSET")
METAHEURISTICS = tuple(
    v.name for v in routing_enums_pb2.LocalSearchMetaheuristic.Value.DESCRIPTOR.values
    if v.name != "UNSET")


@dataclass
class SolveOptions:
    """Search settings. The defaults cope with tight time windows (cheapest insertion) and
    escape local optima with guided local search."""

    time_limit_s: float = 10.0
    # "AUTO": parallel cheapest insertion, which copes with tight time windows, unless the
    # problem is large (above ``large_problem`` stops it needs longer than a typical time
    # limit for a first plan) or its routes are long (a vehicle could take ``long_routes`` or
    # more stops: insertion then builds a few overlong routes that local search does not
    # untangle); path-cheapest-arc is used in those cases.
    first_solution: str = "AUTO"
    long_routes: float = 45.0
    large_problem: int = 300
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    # On large problems insertion heuristics only consider each stop's nearest neighbours.
    # Restricting local-search moves the same way (filter_moves) is available but measured
    # worse: on a 1,000-stop day it stalled the search after the first plan.
    neighbours: int = 40
    filter_moves: bool = False
    log_search: bool = False
    # Share of the search time given to ruin and recreate after guided local search, on
    # problems of up to ``ruin_recreate_max`` stops.
    ruin_recreate_share: float = 0.9
    ruin_recreate_max: int = 300
    # Annealing temperatures at the start and end of ruin and recreate, as multiples of
    # the plan's cost per stop.
    anneal_start: float = 1.0
    anneal_end: float = 0.01
    # Start OR-Tools from the insertion plan ("always"), from its own first solution
    # ("never"), or from the insertion plan on large problems only ("AUTO"). Measured on
    # the 1,000-stop city, OR-Tools own first plan serves more cold stops than insertion.
    warm_start: str = "never"
    # Expert hook: adjust OR-Tools' RoutingSearchParameters after the settings above.
    tune: Callable[[object], None] | None = None

    def validate(self) -> None:
        if self.first_solution not in (*FIRST_SOLUTION_STRATEGIES, "AUTO"):
            raise ValueError(f"unknown first-solution strategy {self.first_solution!r}; "
                             f"choose from {', '.join(FIRST_SOLUTION_STRATEGIES)}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ValueError(f"unknown metaheuristic {self.metaheuristic!r}; "
                             f"choose from {', '.join(METAHEURISTICS)}")
        if self.warm_start not in ("AUTO", "always", "never"):
            raise ValueError("warm_start must be AUTO, always or never")
        if self.time_limit_s <= 0:
            raise ValueError("time limit must be positive")


def _quiet(percent: float, message: str) -> None:
    pass


def solve(problem: Problem, options: SolveOptions | None = None,
          progress: Progress | None = None, provider: MatrixProvider | None = None,
          matrices: Matrices | None = None) -> Solution:
    """Plan routes for ``problem``.

    Travel comes from ``matrices`` if given, else from ``provider``, else from great-circle
    estimates with the problem's circuity and speed. ``progress(percent, message)`` is called
    as the search advances. Stops that cannot be served are returned in
    ``Solution.unassigned`` with a reason; the call itself only fails on an invalid problem
    (ProblemError) or invalid options (ValueError).
    """
    options = options or SolveOptions()
    options.validate()
    progress = progress or _quiet
    problem.validate()
    if trips.has_trips(problem):
        per_trip, origin = trips.expand(problem)
        return trips.merge(problem, solve(per_trip, options, progress, provider, matrices),
                           origin)
    t0 = time.monotonic()
    progress(0.0, "computing travel matrices")
    if matrices is None:
        provider = provider or GreatCircleProvider(problem.matrix.circuity,
                                                   problem.matrix.speed_kmh)
        matrices = build_matrices(problem.points(), provider)
    elif len(matrices) != len(problem.points()):
        raise ValueError(f"matrices have {len(matrices)} points, problem has "
                         f"{len(problem.points())}")
    timer = RouteTimer(problem, matrices)
    progress(1.0, "checking stops")
    allowed, unassigned = diagnose.precheck(problem, timer)
    servable = [si for si in range(len(problem.stops)) if si not in unassigned]

    stats: dict = {"stops": len(problem.stops), "pre_unassigned": len(unassigned)}
    deadline = t0 + options.time_limit_s
    inserter = Inserter(problem, timer, allowed)
    sequences: dict[int, list[int]] = {}
    untried: list[int] = []
    misfits: list[int] = []
    if servable:
        # The guaranteed plan: every stop inserted where the driver's schedule allows it.
        misfits, untried = _construct(problem, inserter, servable, deadline, progress)
        sequences = inserter.sequences()
        stats["first_solution_s"] = round(time.monotonic() - t0, 3)
        stats["construction"] = {"served": sum(map(len, sequences.values())),
                                 "cost": round(_plan_cost(problem, timer, sequences)[1], 2),
                                 "untried": len(untried)}
        progress(5.0, f"first plan: {len(sequences)} routes, "
                      f"{stats['construction']['served']} stops")
        if time.monotonic() < deadline - 0.05 and not untried:
            found, search_stats = _optimise(problem, timer, allowed, servable, options,
                                            progress, t0, sequences)
            stats.update(search_stats)
            if found is not None:
                found = _feasible(timer, found)
                if _plan_cost(problem, timer, found) < _plan_cost(problem, timer, sequences):
                    sequences = found
                    stats["best_from"] = "search"
                else:
                    stats["best_from"] = "construction"
    # Whatever the search left out is tried again against the final plan, so a stop is
    # only reported unassigned when it fits nowhere.
    if stats.get("best_from") == "search":
        # Inserting a stop never makes room for another, so the construction's misfits
        # need no second try against its own plan; the search's plan is a new one.
        inserter.set_routes(sequences)
        pending = [si for si in servable if si not in _served(sequences) and si not in untried]
        misfits, late = inserter.insert_all(pending,
                                            deadline=max(deadline, time.monotonic()) + 1.0)
        stats["inserted_after_search"] = len(pending) - len(misfits) - len(late)
        untried = untried + late
    for si in misfits:
        fits = (inserter.best_insertion(si) if problem.stops[si].drop_penalty is not None
                else None)
        unassigned[si] = (diagnose.explain_dropped(problem, si, fits[0]) if fits
                          else inserter.explain(si))
    for si in untried:
        unassigned[si] = no_plan_in_time(problem, si)
    solution = _assemble(problem, timer, inserter.sequences(), allowed, unassigned, stats)
    solution.stats["wall_time_s"] = round(time.monotonic() - t0, 3)
    progress(100.0, f"done: {len(solution.routes)} routes, "
                    f"{len(solution.unassigned)} unassigned")
    return solution


def _served(sequences: dict[int, list[int]]) -> set[int]:
    return {si for seq in sequences.values() for si in seq}


def _construct(problem: Problem, inserter: Inserter, servable: list[int], deadline: float,
               progress: Progress) -> tuple[list[int], list[int]]:
    """Cheapest feasible insertion, stops taken by closing time of their window (the least
    flexible first), far ones first among equals."""
    timer = inserter.timer
    far = {si: max(float(timer.matrices.distance_m[timer.depot_node[problem.vehicles[vi].depot],
                                                   timer.n_depots + si])
                       for vi in inserter.allowed[si][:1]) for si in servable}
    order = sorted(servable, key=lambda si: (problem.stops[si].window[1], -far[si]))
    misfits: list[int] = []
    step = max(1, len(order) // 10)
    for k in range(0, len(order), step):
        bad, untried = inserter.insert_all(order[k:k + step], deadline)
        misfits += bad
        if untried:
            return misfits, untried + order[k + step:]
        progress(1.0 + 4.0 * min(1.0, (k + step) / len(order)),
                 f"first plan: {k + step} of {len(order)} stops placed or tried")
    return misfits, []


def _feasible(timer: RouteTimer, sequences: dict[int, list[int]]) -> dict[int, list[int]]:
    """The search's routes with any stop that breaks a rule cut out."""
    out = {}
    for vi, seq in sequences.items():
        _, kept, _ = _trim(timer, vi, seq)
        if kept:
            out[vi] = kept
    return out


def _plan_cost(problem: Problem, timer: RouteTimer,
               sequences: dict[int, list[int]]) -> tuple[int, float]:
    """(required stops left out, cost including optional stops' drop penalties)."""
    served = _served(sequences)
    cost = 0.0
    for vi, seq in sequences.items():
        v = problem.vehicles[vi]
        node = timer.depot_node[v.depot]
        path = [timer.origin(v)] + [timer.n_depots + s for s in seq] + [node]
        metres = float(sum(timer.matrices.distance_m[a, b] for a, b in itertools.pairwise(path)))
        cost += v.fixed_cost + v.cost_per_km * metres / 1000
    missing = 0
    for si, stop in enumerate(problem.stops):
        if si not in served:
            if stop.drop_penalty is None:
                missing += 1
            else:
                cost += stop.drop_penalty
    return missing, cost


def _optimise(problem: Problem, timer: RouteTimer, allowed: list[list[int]],
              servable: list[int], options: SolveOptions, progress: Progress,
              t0: float, initial: dict[int, list[int]],
              ) -> tuple[dict[int, list[int]] | None, dict]:
    vehicles = problem.vehicles
    nv = len(vehicles)
    # Model nodes: one per depot with vehicles, then one per servable stop.
    used_depots = sorted({timer.depot_node[v.depot] for v in vehicles})
    points = used_depots + [timer.n_depots + si for si in servable]
    node_of_depot = {p: i for i, p in enumerate(used_depots)}
    ends = [node_of_depot[timer.depot_node[v.depot]] for v in vehicles]
    starts = list(ends)
    for vi, v in enumerate(vehicles):
        if v.on_road is not None:  # it drives on from where it is
            starts[vi] = len(points)
            points.append(timer.origin(v))
    n_extra = len(points) - len(used_depots) - len(servable)
    manager = pywrapcp.RoutingIndexManager(len(points), nv, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    pts = np.asarray(points)
    n_dep = len(used_depots)

    dist = distance_units(timer.matrices.distance_m)[np.ix_(pts, pts)]
    cost_cb: dict[float, int] = {}
    for vi, v in enumerate(vehicles):
        if v.cost_per_km not in cost_cb:
            cost = np.rint(dist * v.cost_per_km * COST_SCALE / 1000).astype(np.int64)
            cost_cb[v.cost_per_km] = routing.RegisterTransitMatrix(cost.tolist())
        routing.SetFixedCostOfVehicle(round(v.fixed_cost * COST_SCALE), vi)
    if len(cost_cb) == 1:
        # A single evaluator for all vehicles lets OR-Tools treat costs as homogeneous.
        routing.SetArcCostEvaluatorOfAllVehicles(next(iter(cost_cb.values())))
    else:
        for vi, v in enumerate(vehicles):
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[v.cost_per_km], vi)

    service = np.zeros(len(points), dtype=np.int64)
    service[n_dep:n_dep + len(servable)] = [timer.service[si] for si in servable]
    time_cb: dict[float, int] = {}
    time_eval = []
    for v in vehicles:
        if v.speed_factor not in time_cb:
            # With rush hours, a bound no leg exceeds at any time of day; the schedule re-times
            # the routes exactly (routing.engine.traffic).
            tt = timer.travel_bound(v.speed_factor)[np.ix_(pts, pts)] + service[:, None]
            time_cb[v.speed_factor] = routing.RegisterTransitMatrix(tt.tolist())
        time_eval.append(time_cb[v.speed_factor])
    routing.AddDimensionWithVehicleTransits(time_eval, MAX_TIME_S, MAX_TIME_S, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for k, si in enumerate(servable):
        a, b = problem.stops[si].window
        tdim.CumulVar(manager.NodeToIndex(n_dep + k)).SetRange(a, b)
    for vi, v in enumerate(vehicles):
        earliest, latest = timer.bounds(v)
        tdim.CumulVar(routing.Start(vi)).SetRange(
            earliest, earliest if v.on_road else max(earliest, latest))
        tdim.CumulVar(routing.End(vi)).SetRange(earliest, max(earliest, latest))
        if v.max_duration_s is not None:
            loading = problem.depot(v.depot).loading_s
            out = 0 if v.on_road is None else v.on_road.at - v.on_road.departed
            tdim.SetSpanUpperBoundForVehicle(max(0, v.max_duration_s - loading - out), vi)
    rule = problem.rest
    if rule is not None:
        # One optional rest per vehicle; the distance rule makes it required on a route
        # longer than the stretch allowed, and the rest may not overlap a stop's service.
        visits = [int(x) for x in service]
        for vi, v in enumerate(vehicles):
            earliest, latest = timer.bounds(v)
            rest = solver.FixedDurationIntervalVar(earliest, max(earliest, latest),
                                                   rule.length_s, True, f"rest {v.id}")
            tdim.SetBreakIntervalsOfVehicle([rest], vi, visits)
            tdim.SetBreakDistanceDurationOfVehicle(rule.max_stretch_s, rule.length_s, vi)

    # Capacities: one dimension per temperature class in crates and one in grams, counting
    # deliveries. A class with pickups adds an on-board dimension: it starts at everything
    # the route delivers (the delivery dimension's value at the route's end) and changes by
    # pickup minus delivery at each stop, so its bounds hold the load on every leg.
    rows = np.asarray(servable, dtype=np.int64)
    deliveries, pickups = timer.delivery[rows], timer.pickup[rows]
    n_cls = len(TEMPERATURE_CLASSES)
    for ci, cls in enumerate(TEMPERATURE_CLASSES):
        for ui, unit in enumerate(("crates", "kg")):
            col = ui * n_cls + ci
            dem, pick = deliveries[:, col], pickups[:, col]
            caps = [int(timer.capacity(v)[col]) for v in vehicles]
            delivered = None
            if dem.any():
                cb = routing.RegisterUnaryTransitVector(
                    [0] * n_dep + [int(x) for x in dem] + [0] * n_extra)
                routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"{cls}_{unit}")
                delivered = routing.GetDimensionOrDie(f"{cls}_{unit}")
            if not pick.any():
                continue
            cb = routing.RegisterUnaryTransitVector(
                [0] * n_dep + [int(p) - int(d) for p, d in zip(pick, dem, strict=True)]
                + [0] * n_extra)
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, False, f"{cls}_{unit}_aboard")
            aboard = routing.GetDimensionOrDie(f"{cls}_{unit}_aboard")
            for vi in range(nv):
                if delivered is None:
                    aboard.CumulVar(routing.Start(vi)).SetValue(0)
                else:
                    solver.Add(aboard.CumulVar(routing.Start(vi))
                               == delivered.CumulVar(routing.End(vi)))

    max_arc = int(max(_max_arc_cost(dist, vehicles), 1))
    max_fixed = max(round(v.fixed_cost * COST_SCALE) for v in vehicles)
    # Leaving a required stop out must cost more than any way of serving it.
    required_penalty = 10 * (max_fixed + 2 * max_arc) + 1_000_000
    cold_pairs = 0
    for k, si in enumerate(servable):
        index = manager.NodeToIndex(n_dep + k)
        ok = set(allowed[si])
        banned = [vi for vi in range(nv) if vi not in ok]
        if banned:
            # Compartments, access (vans only) and reach, decided per stop before the search.
            # Removing values is SetAllowedVehiclesForIndex's effect; this release's Python
            # binding of it does not accept a list.
            routing.VehicleVar(index).RemoveValues(banned)
        stop = problem.stops[si]
        penalty = (required_penalty if stop.drop_penalty is None
                   else round(stop.drop_penalty * COST_SCALE))
        routing.AddDisjunction([index], penalty)
        lim = timer.limits[si]
        if lim is None:
            continue
        for vi in ok:
            earliest, _ = timer.bounds(vehicles[vi])
            # On the road, the clock started at the first departure, before the restart.
            clock = timer.clock_from(vehicles[vi], earliest)
            if stop.window[1] - clock <= lim:
                continue  # cannot bind: even the earliest departure keeps within the limit
            served_by = solver.IsEqualCstVar(routing.VehicleVar(index), vi)
            within = solver.IsLessOrEqualCstVar(
                tdim.CumulVar(index) - tdim.CumulVar(routing.Start(vi)), lim - (earliest - clock)
                if vehicles[vi].on_road else lim)
            solver.Add(served_by <= within)
            cold_pairs += 1

    params = pywrapcp.DefaultRoutingSearchParameters()
    first = options.first_solution
    if first == "AUTO":
        long = stops_per_route(problem, timer, servable) >= options.long_routes
        first = ("PATH_CHEAPEST_ARC" if long or len(servable) > options.large_problem
                 else "PARALLEL_CHEAPEST_INSERTION")
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic,
                                                options.metaheuristic)
    params.guided_local_search_lambda_coefficient = options.gls_lambda
    if len(servable) > options.large_problem:
        ratio = min(1.0, options.neighbours / len(servable))
        if options.filter_moves:
            params.ls_operator_neighbors_ratio = ratio
            params.ls_operator_min_neighbors = options.neighbours
        params.global_cheapest_insertion_first_solution_parameters.neighbors_ratio = ratio
        params.global_cheapest_insertion_first_solution_parameters.min_neighbors = (
            options.neighbours)
    build_s = time.monotonic() - t0
    remaining = options.time_limit_s - build_s
    if remaining < 0.05:
        return None, {"first_solution_strategy": first, "build_s": round(build_s, 3),
                      "search": "skipped: the time limit was used up by the first plan"}
    # Guided local search only needs to hand over a decent plan; ruin and recreate gains
    # more from the rest of the time (Solomon at 10 s: 1.12 % with 90 % of it, against
    # 2.85 % for the slower loop with half). Above ``ruin_recreate_max`` stops a round
    # costs too much for the loop to pay off.
    share = (options.ruin_recreate_share
             if len(servable) <= options.ruin_recreate_max else 0.0)
    params.time_limit.FromMilliseconds(int(remaining * (1 - share) * 1000))
    params.log_search = options.log_search
    if options.tune is not None:
        options.tune(params)

    found = {"n": 0, "best": None}

    def on_solution() -> None:
        found["n"] += 1
        elapsed = time.monotonic() - t0
        cost = routing.CostVar().Value()
        # Guided local search reports every accepted move, better or not; show the best.
        found["best"] = cost if found["best"] is None else min(found["best"], cost)
        pct = 5.0 + 94.0 * min(1.0, elapsed / options.time_limit_s)
        progress(pct, f"{found['n']} solutions, best cost {found['best'] / COST_SCALE:.2f}")

    routing.AddAtSolutionCallback(on_solution)
    progress(5.0, f"searching ({len(servable)} stops, {nv} vehicles)")
    start = None
    warm = options.warm_start == "always" or (options.warm_start == "AUTO"
                                             and len(servable) > options.large_problem)
    if warm and initial:
        index_of = {si: manager.NodeToIndex(n_dep + k) for k, si in enumerate(servable)}
        start = routing.ReadAssignmentFromRoutes(
            [[index_of[si] for si in initial.get(vi, [])] for vi in range(nv)], True)
    if start is not None:
        first = "first plan by insertion"
        assignment = routing.SolveFromAssignmentWithParameters(start, params)
    else:
        assignment = routing.SolveWithParameters(params)
    stats = {"first_solution_strategy": first, "build_s": round(build_s, 3),
             "solutions_found": found["n"],
             "objective": None if assignment is None else assignment.ObjectiveValue() / COST_SCALE,
             "cold_chain_constraints": cold_pairs, "search_status": int(routing.status())}
    if assignment is None and (share == 0 or not initial):
        return None, stats

    def read(solution) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for vi in range(nv):
            seq = []
            index = solution.Value(routing.NextVar(routing.Start(vi)))
            while not routing.IsEnd(index):
                seq.append(servable[manager.IndexToNode(index) - n_dep])
                index = solution.Value(routing.NextVar(index))
            if seq:
                out[vi] = seq
        return out

    # When guided local search found nothing in its share, ruin and recreate still
    # improves the insertion plan.
    sequences = read(assignment) if assignment is not None else dict(initial)
    deadline = t0 + options.time_limit_s
    if share > 0 and time.monotonic() < deadline - 0.1:
        sequences = _feasible(timer, sequences)
        descent = pywrapcp.DefaultRoutingSearchParameters()
        descent.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT)
        index_of = {si: manager.NodeToIndex(n_dep + k) for k, si in enumerate(servable)}

        def polish(plan: dict[int, list[int]], seconds: float) -> dict[int, list[int]] | None:
            start = routing.ReadAssignmentFromRoutes(
                [[index_of[si] for si in plan.get(vi, [])] for vi in range(nv)], True)
            if start is None:
                return None
            descent.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
            done = routing.SolveFromAssignmentWithParameters(start, descent)
            return None if done is None else _feasible(timer, read(done))

        def cost(plan: dict[int, list[int]]) -> float:
            missing, value = _plan_cost(problem, timer, plan)
            return missing * required_penalty / COST_SCALE + value

        def on_best(value: float) -> None:
            elapsed = time.monotonic() - t0
            progress(5.0 + 94.0 * min(1.0, elapsed / options.time_limit_s),
                     f"ruin and recreate: best cost {value:.2f}")

        loop = RuinRecreate(Inserter(problem, timer, allowed), servable, cost, polish,
                            missing_cost=required_penalty / COST_SCALE,
                            t_start=options.anneal_start, t_end=options.anneal_end)
        sequences = loop.run(sequences, deadline, on_best)
        stats["ruin_recreate"] = loop.stats
    return sequences, stats


def plan_from_sequences(problem: Problem, sequences: dict[str, list[str]],
                        matrices: Matrices | None = None,
                        provider: MatrixProvider | None = None) -> Solution:
    """Time a given assignment of stops to vehicles (e.g. routes edited by a dispatcher).

    ``sequences`` maps vehicle id to stop ids in driving order. Stops that break a rule are
    cut from their route and reported as unassigned, like after optimising; stops in no
    sequence are reported too, so the result always passes the validator.
    """
    problem.validate()
    if matrices is None:
        provider = provider or GreatCircleProvider(problem.matrix.circuity,
                                                   problem.matrix.speed_kmh)
        matrices = build_matrices(problem.points(), provider)
    timer = RouteTimer(problem, matrices)
    allowed, unassigned = diagnose.precheck(problem, timer)
    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    stop_index = {s.id: i for i, s in enumerate(problem.stops)}
    by_index: dict[int, list[int]] = {}
    for vid, stop_ids in sequences.items():
        if vid not in vehicle_index:
            raise ValueError(f"unknown vehicle {vid!r}")
        vi = vehicle_index[vid]
        by_index[vi] = [stop_index[s] for s in stop_ids
                        if s in stop_index and vi in allowed[stop_index[s]]]
    return _assemble(problem, timer, by_index, allowed, unassigned, {})


def stops_per_route(problem: Problem, timer: RouteTimer, servable: list[int]) -> float:
    """Rough number of stops one vehicle could serve, bounded by crates and by shift time."""
    stops = [problem.stops[si] for si in servable]
    mean_crates = max(1e-9, float(np.mean([s.crates for s in stops])))
    by_load = float(np.mean([sum(c.crates for c in v.compartments)
                             for v in problem.vehicles])) / mean_crates
    nodes = np.asarray([timer.n_depots + si for si in servable])
    tt = timer.matrices.time_s[np.ix_(nodes, nodes)]
    k = min(5, len(nodes) - 1)
    near = float(np.sort(tt, axis=1)[:, 1:k + 1].mean()) if k > 0 else 0.0
    per_stop = max(1.0, near + float(np.mean([timer.service[si] for si in servable])))
    span = float(np.median([b - a for a, b in map(timer.bounds, problem.vehicles)]))
    return min(by_load, span / per_stop)


def _max_arc_cost(dist: np.ndarray, vehicles) -> float:
    return float(dist.max()) * max(v.cost_per_km for v in vehicles) * COST_SCALE / 1000


def _trim(timer: RouteTimer, vi: int, seq: list[int]) -> tuple[object, list[int], list[int]]:
    """Schedule a route, removing stops until it is feasible; returns (schedule, kept, cut)."""
    v = timer.problem.vehicles[vi]
    kept, cut = list(seq), []
    while kept:
        result = timer.schedule(v, kept)
        if not isinstance(result, Infeasible):
            return result, kept, cut
        pos = result.position if result.position is not None else len(kept) - 1
        cut.append(kept.pop(pos))
    return None, kept, cut


def _assemble(problem: Problem, timer: RouteTimer, sequences: dict[int, list[int]],
              allowed: list[list[int]], unassigned: dict[int, Unassigned],
              stats: dict) -> Solution:
    routes: list[Route] = []
    served: set[int] = set()
    trimmed = 0
    kept_by_vehicle: dict[int, list[int]] = {}
    for vi in sorted(sequences):
        sched, kept, cut = _trim(timer, vi, sequences[vi])
        trimmed += len(cut)
        if not kept:
            continue
        kept_by_vehicle[vi] = kept
        v = problem.vehicles[vi]
        node = timer.depot_node[v.depot]
        path = [timer.origin(v)] + [timer.n_depots + s for s in kept] + [node]
        clock = timer.clock_from(v, sched.departure)
        metres = float(sum(timer.matrices.distance_m[a, b] for a, b in itertools.pairwise(path)))
        load = {c: ClassLoad(0, 0.0) for c in TEMPERATURE_CLASSES if v.compartment(c)}
        visits = []
        for k, si in enumerate(kept):
            stop = problem.stops[si]
            delivered = {c: ClassLoad(stop.demand[c].crates, stop.demand[c].kg)
                         for c in stop.classes}
            picked = {c: ClassLoad(stop.pickup[c].crates, stop.pickup[c].kg)
                      for c in stop.pickup_classes}
            for c, q in delivered.items():
                load[c].crates += q.crates
                load[c].kg += q.kg
            visits.append(Visit(stop.id, sched.arrivals[k], sched.starts[k], sched.ends[k],
                                sched.starts[k] - clock, delivered, picked))
            served.add(si)
        loading = problem.depot(v.depot).loading_s
        # A vehicle on the road loaded before it first left; its day counts from then.
        start = clock - loading if v.on_road is None else sched.departure
        km = metres / 1000
        rest = None
        if sched.rest is not None and problem.rest is not None:
            at, begins = sched.rest
            rest = {"stop": problem.stops[kept[at]].id, "start": begins,
                    "end": begins + problem.rest.length_s}
        routes.append(Route(vehicle=v.id, depot=v.depot, start=start,
                            departure=sched.departure, end=sched.back, distance_km=km,
                            duration_s=sched.back - clock + loading,
                            cost=v.fixed_cost + v.cost_per_km * km, load=load, stops=visits,
                            rest=rest))
    out = dict(unassigned)
    cut = [si for si in range(len(problem.stops)) if si not in served and si not in out]
    if cut:
        # Only for plans given from outside (``plan_from_sequences``): what broke a rule, or
        # was in no sequence, gets the reason it has against the plan that remains.
        inserter = Inserter(problem, timer, allowed)
        inserter.set_routes(kept_by_vehicle)
        for si in cut:
            out[si] = (Unassigned(problem.stops[si].id, diagnose.LEFT_OUT,
                                  N_("not in the given routes, though it would fit in "
                                     "them"))
                       if inserter.best_insertion(si) else inserter.explain(si))
    stats["trimmed_after_search"] = trimmed
    total_cost = sum(r.cost for r in routes)
    total_km = sum(r.distance_km for r in routes)
    status = "ok" if not out else "partial"
    if not routes and out:
        status = "no_routes"
    return Solution(routes=routes, unassigned=[out[k] for k in sorted(out)],
                    total_cost=total_cost, total_distance_km=total_km,
                    vehicles_used=len(routes), status=status, stats=stats)
