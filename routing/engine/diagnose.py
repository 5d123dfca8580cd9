"""Reasons for stops that cannot be served.

What can be decided for a stop on its own (temperature compatibility, capacity, reaching its
window or its cold-chain limit on a trip of its own) is checked before optimising, so such
stops never reach the optimiser and get a precise reason. A stop the optimiser leaves out
despite passing those checks is tried again in the final plan
(:mod:`routing.engine.insertion`), and only when it fits nowhere gets the rule that binds:
a full compartment, its window, its cold-chain limit or the shift.
"""

from __future__ import annotations

from .messages import N_, joined, word
from .model import Problem, Stop, Unassigned, Vehicle
from .schedule import Infeasible, RouteTimer

NO_COMPATIBLE_VEHICLE = "no_compatible_vehicle"
OVER_CAPACITY = "over_capacity"
WINDOW_UNREACHABLE = "time_window_unreachable"
COLD_CHAIN_UNREACHABLE = "cold_chain_unreachable"
NOT_WORTH_SERVING = "not_worth_serving"
COMPARTMENT_FULL = "compartment_full"
SHIFT_EXCEEDED = "shift_exceeded"
NO_PLAN_IN_TIME = "no_plan_in_time"
ACCESS = "access"  # the stop lets in no kind of vehicle that could serve it
# Decided when the day's problem is built: the pickup point cannot keep the goods cold and
# its window closes before they may arrive without storage.
NO_COLD_STORAGE = "no_cold_storage"
LEFT_OUT = "left_out"  # routes given by hand (plan_from_sequences) that skip a stop
# Plans saved before stops were re-tried against the final plan carry this reason.
NO_ROOM = "no_room"

REASONS = (NO_COMPATIBLE_VEHICLE, ACCESS, OVER_CAPACITY, WINDOW_UNREACHABLE, COLD_CHAIN_UNREACHABLE,
           COMPARTMENT_FULL, SHIFT_EXCEEDED, NO_PLAN_IN_TIME, NOT_WORTH_SERVING, LEFT_OUT, NO_ROOM,
           NO_COLD_STORAGE)


def compatible(stop: Stop, v: Vehicle) -> bool:
    """Every temperature class the stop receives or sends back rides in a compartment of
    that class."""
    return all(v.compartment(c) is not None for c in stop.carried_classes)


def admitted(stop: Stop, v: Vehicle) -> bool:
    """The stop lets this kind of vehicle in."""
    return stop.vehicle_kinds is None or v.kind in stop.vehicle_kinds


def fits(stop: Stop, v: Vehicle) -> bool:
    """Alone on the vehicle, the stop's deliveries fit on leaving and its pickups on the way
    back."""
    for loads in (stop.demand, stop.pickup):
        for c, load in loads.items():
            if not (load.crates or load.kg):
                continue
            comp = v.compartment(c)
            if comp is None or load.crates > comp.crates or load.kg > comp.kg + 1e-9:
                return False
    return True


def precheck(problem: Problem, timer: RouteTimer) -> tuple[list[list[int]], dict[int, Unassigned]]:
    """Vehicles able to serve each stop alone, and reasons for stops no vehicle can serve."""
    allowed: list[list[int]] = []
    unassigned: dict[int, Unassigned] = {}
    # Vehicles with the same depot, shift and speed time a lone stop identically.
    # (Compartments do not matter: a stop that passed ``fits`` fits on every leg alone.)
    signature = [(v.depot, v.shift_start, v.shift_end, v.max_duration_s, v.speed_factor,
                  v.id if v.on_road else None)
                 for v in problem.vehicles]
    carried = [frozenset(c.temperature for c in v.compartments) for v in problem.vehicles]
    live = any(v.on_road for v in problem.vehicles) or any(s.on_vehicle for s in problem.stops)
    for si, stop in enumerate(problem.stops):
        need = set(stop.carried_classes)
        comp = [vi for vi, classes in enumerate(carried) if need <= classes]
        if live:
            # Goods already on a vehicle (a day under way) can only be brought by it, and a
            # vehicle on the road can only deliver what it has on board.
            comp = [vi for vi in comp if (stop.on_vehicle in (None, problem.vehicles[vi].id))
                    and (problem.vehicles[vi].on_road is None
                         or problem.vehicles[vi].id == stop.on_vehicle or not stop.classes)]
        if not comp:
            unassigned[si] = Unassigned(
                stop.id, NO_COMPATIBLE_VEHICLE,
                N_("no vehicle has compartments for {classes}",
                   classes=joined([word(c) for c in stop.carried_classes])))
            allowed.append([])
            continue
        let_in = (comp if stop.vehicle_kinds is None
                  else [vi for vi in comp if admitted(stop, problem.vehicles[vi])])
        if not let_in:
            kinds = joined(list(stop.vehicle_kinds or [])) or N_("none")
            unassigned[si] = Unassigned(
                stop.id, ACCESS,
                N_("the stop admits only vehicles of kind {kinds}; no such vehicle has "
                   "compartments for {classes}", kinds=kinds,
                   classes=joined([word(c) for c in stop.carried_classes])))
            allowed.append([])
            continue
        comp = let_in
        roomy = [vi for vi in comp if fits(stop, problem.vehicles[vi])]
        if not roomy:
            unassigned[si] = Unassigned(
                stop.id, OVER_CAPACITY,
                N_("the demand exceeds the compartment capacity of every compatible vehicle"))
            allowed.append([])
            continue
        verdicts: dict[tuple, Infeasible | None] = {}
        ok = []
        for vi in roomy:
            key = signature[vi]
            if key not in verdicts:
                result = timer.schedule(problem.vehicles[vi], [si])
                verdicts[key] = result if isinstance(result, Infeasible) else None
            if verdicts[key] is None:
                ok.append(vi)
        allowed.append(ok)
        if not ok:
            failures = [f for f in verdicts.values() if f is not None]
            if any(f.reason == "cold_chain" for f in failures):
                reason = COLD_CHAIN_UNREACHABLE
                message = N_("no depot can deliver within the cold-chain limit ({limit} s "
                             "after departure) and the time window: {example}",
                             limit=timer.limits[si], example=failures[0].message)
            else:
                reason = WINDOW_UNREACHABLE
                message = N_("no compatible vehicle can reach the time window from its depot "
                             "within its shift and return in time: {example}",
                             example=failures[0].message)
            unassigned[si] = Unassigned(stop.id, reason, message)
    return allowed, unassigned


def explain_dropped(problem: Problem, stop_index: int, added_cost: float) -> Unassigned:
    """An optional stop that fits, but whose cheapest place costs more than leaving it out."""
    stop = problem.stops[stop_index]
    return Unassigned(stop.id, NOT_WORTH_SERVING,
                      N_("serving it would add {cost} to the plan, more than its drop "
                         "penalty ({penalty})", cost=f"{added_cost:.2f}",
                         penalty=f"{stop.drop_penalty:g}"))
