"""Route-planning problem: depots, stops, vehicles and cold-chain rules.

Plain dataclasses with JSON round-trip. Times of day are seconds since midnight of the
delivery day; in JSON they may also be written as ``"HH:MM"`` or ``"HH:MM:SS"``.
Durations are seconds, or ``"H:MM"`` / ``"H:MM:SS"`` in JSON.

Longer than 400 lines because it is the whole JSON format, problem and solution, read
together: every class is a dataclass with its ``to_dict``/``from_dict`` pair, and
``Problem.validate`` (a hundred lines) names each bad field by its JSON path. The solution
classes alone would make a 100-line module and leave the problem at about 400.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

from . import messages
from .traffic import RushHour, TrafficProfile

TEMPERATURE_CLASSES = ("frozen", "chilled", "ambient")
DAY_S = 86_400
# Times past midnight are allowed so that a night shift can run into the next morning.
MAX_TIME_S = 2 * DAY_S


class ProblemError(ValueError):
    """A problem failed validation; ``errors`` lists ``{"path", "message"}`` items."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        lines = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:10])
        more = f" (+{len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(f"{len(errors)} problem error(s): {lines}{more}")


def parse_clock(value: Any, path: str = "") -> int:
    """Seconds since midnight from an int/float or an ``"HH:MM[:SS]"`` string."""
    if isinstance(value, bool):
        raise ProblemError([{"path": path, "message": f"expected a time, got {value!r}"}])
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        parts = value.strip().split(":")
        if 2 <= len(parts) <= 3 and all(p.isdigit() for p in parts):
            h, m = int(parts[0]), int(parts[1])
            s = int(parts[2]) if len(parts) == 3 else 0
            if m < 60 and s < 60:
                return h * 3600 + m * 60 + s
    raise ProblemError([{"path": path, "message": f"expected seconds or 'HH:MM', got {value!r}"}])


def format_clock(seconds: float) -> str:
    """``"HH:MM:SS"`` for a time of day in seconds (hours may exceed 23 past midnight)."""
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


@dataclass
class ClassLoad:
    """Quantity of one temperature class: crates and kilograms."""

    crates: int = 0
    kg: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"crates": self.crates, "kg": self.kg}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassLoad:
        return cls(crates=d.get("crates", 0), kg=d.get("kg", 0.0))


def _loads_to_dict(loads: dict[str, ClassLoad]) -> dict[str, Any]:
    return {k: v.to_dict() for k, v in loads.items()}


def _loads_from_dict(d: dict[str, Any] | None) -> dict[str, ClassLoad]:
    return {k: ClassLoad.from_dict(v) for k, v in (d or {}).items()}


@dataclass
class Depot:
    id: str
    lat: float
    lon: float
    open: int = 0
    close: int = DAY_S
    loading_s: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "lat": self.lat, "lon": self.lon, "open": self.open,
                "close": self.close, "loading_s": self.loading_s}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str = "depot") -> Depot:
        return cls(id=str(d["id"]), lat=d["lat"], lon=d["lon"],
                   open=parse_clock(d.get("open", 0), f"{path}.open"),
                   close=parse_clock(d.get("close", DAY_S), f"{path}.close"),
                   loading_s=parse_clock(d.get("loading_s", 0), f"{path}.loading_s"))


@dataclass
class Stop:
    """A delivery point. ``drop_penalty`` is the cost of leaving it unserved.

    ``None`` means the planner treats the stop as required: leaving it out costs far more
    than any route, so it is only dropped when it cannot fit at all.

    ``pickup`` is what the vehicle collects there (goods returned from a pickup point, empty
    returnable crates), per temperature class; it rides back to the depot in the
    compartment of its class. A vehicle leaves with every delivery of its route on board,
    so after each stop it carries what is still to deliver plus what it has collected.
    """

    id: str
    lat: float
    lon: float
    window: tuple[int, int] = (0, DAY_S)
    service_fixed_s: int = 0
    service_per_crate_s: float = 0.0
    demand: dict[str, ClassLoad] = field(default_factory=dict)
    drop_penalty: float | None = None
    pickup: dict[str, ClassLoad] = field(default_factory=dict)
    # Vehicle kinds allowed to call (a residential compound that lets vans in only);
    # None lets any vehicle call.
    vehicle_kinds: list[str] | None = None
    # The vehicle its goods are already on (re-planning a day under way): only it serves it.
    on_vehicle: str | None = None

    @property
    def crates(self) -> int:
        return sum(d.crates for d in self.demand.values())

    @property
    def pickup_crates(self) -> int:
        return sum(d.crates for d in self.pickup.values())

    @property
    def pickup_classes(self) -> list[str]:
        """Temperature classes this stop sends back."""
        return [c for c in TEMPERATURE_CLASSES
                if c in self.pickup and (self.pickup[c].crates > 0 or self.pickup[c].kg > 0)]

    @property
    def carried_classes(self) -> list[str]:
        """Classes that need a compartment on the vehicle serving this stop."""
        both = set(self.classes) | set(self.pickup_classes)
        return [c for c in TEMPERATURE_CLASSES if c in both]

    @property
    def classes(self) -> list[str]:
        """Temperature classes this stop actually receives."""
        return [c for c in TEMPERATURE_CLASSES
                if c in self.demand and (self.demand[c].crates > 0 or self.demand[c].kg > 0)]

    def service_s(self) -> int:
        # Rounded up: a schedule must never assume less time at the door than needed.
        # Crates collected are handled at the door like crates delivered.
        handled = self.crates + self.pickup_crates
        return math.ceil(self.service_fixed_s + self.service_per_crate_s * handled - 1e-9)

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "lat": self.lat, "lon": self.lon, "window": list(self.window),
             "service_fixed_s": self.service_fixed_s,
             "service_per_crate_s": self.service_per_crate_s,
             "demand": _loads_to_dict(self.demand)}
        if self.drop_penalty is not None:
            d["drop_penalty"] = self.drop_penalty
        if self.pickup:
            d["pickup"] = _loads_to_dict(self.pickup)
        if self.vehicle_kinds is not None:
            d["vehicle_kinds"] = list(self.vehicle_kinds)
        if self.on_vehicle is not None:
            d["on_vehicle"] = self.on_vehicle
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str = "stop") -> Stop:
        w = d.get("window", [0, DAY_S])
        if not isinstance(w, list | tuple) or len(w) != 2:
            raise ProblemError([{"path": f"{path}.window", "message": "expected [open, close]"}])
        return cls(id=str(d["id"]), lat=d["lat"], lon=d["lon"],
                   window=(parse_clock(w[0], f"{path}.window[0]"),
                           parse_clock(w[1], f"{path}.window[1]")),
                   service_fixed_s=parse_clock(d.get("service_fixed_s", 0),
                                               f"{path}.service_fixed_s"),
                   service_per_crate_s=d.get("service_per_crate_s", 0.0),
                   demand=_loads_from_dict(d.get("demand")),
                   drop_penalty=d.get("drop_penalty"),
                   pickup=_loads_from_dict(d.get("pickup")),
                   vehicle_kinds=_kinds(d.get("vehicle_kinds"), f"{path}.vehicle_kinds"),
                   on_vehicle=d.get("on_vehicle"))


def _kinds(value: Any, path: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ProblemError([{"path": path, "message": "expected a list of vehicle kinds"}])
    return list(value)


@dataclass
class Compartment:
    """A compartment held at one temperature class, with its capacity."""

    temperature: str
    crates: int
    kg: float

    def to_dict(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "crates": self.crates, "kg": self.kg}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Compartment:
        return cls(temperature=d["temperature"], crates=d["crates"], kg=d["kg"])


@dataclass
class OnRoad:
    """A vehicle already out (re-planning from the live state): where it is, from when it
    can drive on, and when it left its depot (the goods' cold-chain clocks run from then)."""

    lat: float
    lon: float
    at: int
    departed: int

    def to_dict(self) -> dict[str, Any]:
        return {"lat": self.lat, "lon": self.lon, "at": self.at, "departed": self.departed}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None, path: str) -> OnRoad | None:
        if d is None:
            return None
        return cls(lat=d["lat"], lon=d["lon"], at=parse_clock(d["at"], f"{path}.at"),
                   departed=parse_clock(d["departed"], f"{path}.departed"))


@dataclass
class Vehicle:
    id: str
    depot: str
    compartments: list[Compartment]
    shift_start: int = 0
    shift_end: int = DAY_S
    max_duration_s: int | None = None
    fixed_cost: float = 0.0
    cost_per_km: float = 1.0
    speed_factor: float = 1.0
    kind: str = ""
    # Second (and later) trips: times of day from which the vehicle, back at its depot and
    # reloaded, may go out again. Each trip is back before the next one starts; the first
    # runs from the shift's start, the last to its end (a morning and a midday wave).
    waves: list[int] = field(default_factory=list)
    on_road: OnRoad | None = None

    def compartment(self, temperature: str) -> Compartment | None:
        return next((c for c in self.compartments if c.temperature == temperature), None)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "depot": self.depot,
                "compartments": [c.to_dict() for c in self.compartments],
                "shift_start": self.shift_start, "shift_end": self.shift_end,
                "max_duration_s": self.max_duration_s, "fixed_cost": self.fixed_cost,
                "cost_per_km": self.cost_per_km, "speed_factor": self.speed_factor,
                "kind": self.kind, "waves": list(self.waves),
                **({"on_road": self.on_road.to_dict()} if self.on_road else {})}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str = "vehicle") -> Vehicle:
        md = d.get("max_duration_s")
        return cls(id=str(d["id"]), depot=str(d["depot"]),
                   compartments=[Compartment.from_dict(c) for c in d.get("compartments", [])],
                   shift_start=parse_clock(d.get("shift_start", 0), f"{path}.shift_start"),
                   shift_end=parse_clock(d.get("shift_end", DAY_S), f"{path}.shift_end"),
                   max_duration_s=None if md is None else parse_clock(md,
                                                                      f"{path}.max_duration_s"),
                   fixed_cost=d.get("fixed_cost", 0.0), cost_per_km=d.get("cost_per_km", 1.0),
                   speed_factor=d.get("speed_factor", 1.0), kind=str(d.get("kind", "")),
                   waves=[parse_clock(w, f"{path}.waves[{i}]")
                          for i, w in enumerate(d.get("waves") or [])],
                   on_road=OnRoad.from_dict(d.get("on_road"), f"{path}.on_road"))

    def trips(self) -> list[tuple[int, int]]:
        """(start, end) of each trip the vehicle may make in its shift."""
        edges = [self.shift_start, *self.waves, self.shift_end]
        return list(itertools.pairwise(edges))


@dataclass
class MatrixSettings:
    """How travel is estimated from coordinates when no road-network provider is plugged in."""

    circuity: float = 1.3
    speed_kmh: float = 30.0

    def to_dict(self) -> dict[str, Any]:
        return {"circuity": self.circuity, "speed_kmh": self.speed_kmh}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> MatrixSettings:
        d = d or {}
        return cls(circuity=d.get("circuity", 1.3), speed_kmh=d.get("speed_kmh", 30.0))


@dataclass
class RestRule:
    """Drivers' rest: no stretch of a route (from leaving the depot, or the end of a rest, to
    the next rest or the return) longer than ``max_stretch_s`` without a rest of
    ``length_s``. A route no longer than ``max_stretch_s`` needs none; a longer one rests
    once, at a stop (while waiting for its window, or after its service)."""

    length_s: int = 1800
    max_stretch_s: int = 4 * 3600

    def to_dict(self) -> dict[str, Any]:
        return {"length_s": self.length_s, "max_stretch_s": self.max_stretch_s}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> RestRule | None:
        if not d:
            return None
        return cls(length_s=parse_clock(d.get("length_s", 1800), "rest.length_s"),
                   max_stretch_s=parse_clock(d.get("max_stretch_s", 4 * 3600),
                                             "rest.max_stretch_s"))


@dataclass
class Problem:
    """One delivery day. ``cold_chain_max_s`` maps a temperature class to the longest time
    allowed between the vehicle leaving its depot and the start of service at a stop."""

    depots: list[Depot]
    stops: list[Stop]
    vehicles: list[Vehicle]
    cold_chain_max_s: dict[str, int] = field(default_factory=dict)
    matrix: MatrixSettings = field(default_factory=MatrixSettings)
    name: str = ""
    # Rush hours: travel slower by time of day (see :mod:`routing.engine.traffic`).
    traffic: TrafficProfile = field(default_factory=TrafficProfile)
    rest: RestRule | None = None

    def depot(self, depot_id: str) -> Depot:
        return self._depot_index()[depot_id]

    def _depot_index(self) -> dict[str, Depot]:
        return {d.id: d for d in self.depots}

    def points(self) -> list[tuple[float, float]]:
        """Coordinates in matrix order: depots first, then stops, then where the vehicles
        already on the road are."""
        return ([(d.lat, d.lon) for d in self.depots] + [(s.lat, s.lon) for s in self.stops]
                + [(v.on_road.lat, v.on_road.lon) for v in self.vehicles if v.on_road])

    def cold_chain_limit(self, stop: Stop) -> int | None:
        """The tightest limit over the classes the stop receives, or None."""
        limits = [self.cold_chain_max_s[c] for c in stop.classes if c in self.cold_chain_max_s]
        return min(limits) if limits else None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "depots": [d.to_dict() for d in self.depots],
                "stops": [s.to_dict() for s in self.stops],
                "vehicles": [v.to_dict() for v in self.vehicles],
                "cold_chain": {"max_time_s": dict(self.cold_chain_max_s)},
                "matrix": self.matrix.to_dict(), "traffic": self.traffic.to_list(),
                "rest": None if self.rest is None else self.rest.to_dict()}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Problem:
        """Build and validate a problem; raises ProblemError listing every error found."""
        errors: list[dict[str, str]] = []

        def parse_list(key: str, factory):
            out = []
            items = d.get(key)
            if not isinstance(items, list):
                errors.append({"path": key, "message": "expected a list"})
                return out
            for i, item in enumerate(items):
                path = f"{key}[{i}]"
                try:
                    out.append(factory(item, path))
                except ProblemError as e:
                    errors.extend(e.errors)
                except KeyError as e:
                    errors.append({"path": f"{path}.{e.args[0]}", "message": "missing field"})
                except (TypeError, ValueError, AttributeError) as e:
                    errors.append({"path": path, "message": str(e)})
            return out

        depots = parse_list("depots", Depot.from_dict)
        stops = parse_list("stops", Stop.from_dict)
        vehicles = parse_list("vehicles", Vehicle.from_dict)
        cold: dict[str, int] = {}
        for k, v in ((d.get("cold_chain") or {}).get("max_time_s") or {}).items():
            try:
                cold[k] = parse_clock(v, f"cold_chain.max_time_s.{k}")
            except ProblemError as e:
                errors.extend(e.errors)
        rush = []
        for i, item in enumerate(d.get("traffic") or []):
            path = f"traffic[{i}]"
            try:
                rush.append(RushHour(parse_clock(item["start"], f"{path}.start"),
                                     parse_clock(item["end"], f"{path}.end"),
                                     float(item["factor"])))
            except ProblemError as e:
                errors.extend(e.errors)
            except KeyError as e:
                errors.append({"path": f"{path}.{e.args[0]}", "message": "missing field"})
            except (TypeError, ValueError) as e:
                errors.append({"path": path, "message": str(e)})
        rest = None
        try:
            rest = RestRule.from_dict(d.get("rest"))
        except ProblemError as e:
            errors.extend(e.errors)
        if errors:
            raise ProblemError(errors)
        problem = cls(depots=depots, stops=stops, vehicles=vehicles, cold_chain_max_s=cold,
                      matrix=MatrixSettings.from_dict(d.get("matrix")), name=d.get("name", ""),
                      traffic=TrafficProfile(rush), rest=rest)
        problem.validate()
        return problem

    @classmethod
    def from_json(cls, text: str) -> Problem:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ProblemError([{"path": "", "message": f"invalid JSON: {e}"}]) from e
        if not isinstance(data, dict):
            raise ProblemError([{"path": "", "message": "expected a JSON object"}])
        return cls.from_dict(data)

    def validate(self) -> None:
        """Raise ProblemError with every inconsistency found (all of them, not the first)."""
        errors: list[dict[str, str]] = []

        def err(path: str, message: str) -> None:
            errors.append({"path": path, "message": message})

        def check_unique(items, key: str) -> None:
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.id in seen:
                    err(f"{key}[{i}].id", f"duplicate id {item.id!r}")
                seen.add(item.id)

        def check_point(obj, path: str) -> None:
            for attr, lim in (("lat", 90), ("lon", 180)):
                v = getattr(obj, attr)
                if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                    err(f"{path}.{attr}", f"expected a number, got {v!r}")
                elif abs(v) > lim:
                    err(f"{path}.{attr}", f"out of range ±{lim}: {v}")

        def check_time(v, path: str) -> None:
            if not 0 <= v <= MAX_TIME_S:
                err(path, f"time {v} s is outside 0..{MAX_TIME_S} s")

        if not self.depots:
            err("depots", "at least one depot is required")
        if not self.vehicles:
            err("vehicles", "at least one vehicle is required")
        check_unique(self.depots, "depots")
        check_unique(self.stops, "stops")
        check_unique(self.vehicles, "vehicles")
        for i, dp in enumerate(self.depots):
            p = f"depots[{i}]"
            check_point(dp, p)
            check_time(dp.open, f"{p}.open")
            check_time(dp.close, f"{p}.close")
            if dp.close < dp.open:
                err(f"{p}.close", f"closes ({dp.close}) before it opens ({dp.open})")
            if dp.loading_s < 0:
                err(f"{p}.loading_s", "must not be negative")
        for i, s in enumerate(self.stops):
            p = f"stops[{i}]"
            check_point(s, p)
            a, b = s.window
            check_time(a, f"{p}.window")
            check_time(b, f"{p}.window")
            if b < a:
                err(f"{p}.window", f"closes ({b}) before it opens ({a})")
            if s.service_fixed_s < 0 or s.service_per_crate_s < 0:
                err(f"{p}.service_fixed_s", "service times must not be negative")
            for part, loads in (("demand", s.demand), ("pickup", s.pickup)):
                for c, load in loads.items():
                    if c not in TEMPERATURE_CLASSES:
                        err(f"{p}.{part}.{c}",
                            f"unknown temperature class; use {TEMPERATURE_CLASSES}")
                    if not isinstance(load.crates, int) or load.crates < 0:
                        err(f"{p}.{part}.{c}.crates", "expected a non-negative integer")
                    if not isinstance(load.kg, int | float) or load.kg < 0:
                        err(f"{p}.{part}.{c}.kg", "expected a non-negative number")
            if s.drop_penalty is not None and s.drop_penalty < 0:
                err(f"{p}.drop_penalty", "must not be negative")
        depot_ids = {d.id for d in self.depots}
        vehicle_ids = {v.id for v in self.vehicles}
        for i, s in enumerate(self.stops):
            if s.on_vehicle is not None and s.on_vehicle not in vehicle_ids:
                err(f"stops[{i}].on_vehicle", f"unknown vehicle {s.on_vehicle!r}")
        for i, v in enumerate(self.vehicles):
            p = f"vehicles[{i}]"
            if v.depot not in depot_ids:
                err(f"{p}.depot", f"unknown depot {v.depot!r}")
            check_time(v.shift_start, f"{p}.shift_start")
            check_time(v.shift_end, f"{p}.shift_end")
            if v.shift_end < v.shift_start:
                err(f"{p}.shift_end", "shift ends before it starts")
            if v.max_duration_s is not None and v.max_duration_s <= 0:
                err(f"{p}.max_duration_s", "must be positive")
            if v.speed_factor <= 0:
                err(f"{p}.speed_factor", "must be positive")
            if v.on_road is not None:
                if v.waves:
                    err(f"{p}.waves", "a vehicle on the road plans its current trip only")
                if not v.on_road.departed <= v.on_road.at <= MAX_TIME_S:
                    err(f"{p}.on_road.at", "it is on the road after it departed")
                check_point(v.on_road, f"{p}.on_road")
            if any(b <= a for a, b in v.trips()):
                err(f"{p}.waves", "trips start in order, after the shift starts and before it "
                                  "ends")
            if v.cost_per_km < 0 or v.fixed_cost < 0:
                err(f"{p}.cost_per_km", "costs must not be negative")
            seen: set[str] = set()
            for j, c in enumerate(v.compartments):
                cp = f"{p}.compartments[{j}]"
                if c.temperature not in TEMPERATURE_CLASSES:
                    err(f"{cp}.temperature", f"unknown class {c.temperature!r}")
                if c.temperature in seen:
                    err(f"{cp}.temperature",
                        f"second {c.temperature} compartment; give one per class")
                seen.add(c.temperature)
                if not isinstance(c.crates, int) or c.crates < 0 or c.kg < 0:
                    err(cp, "capacities must be non-negative (crates an integer)")
        for c, lim in self.cold_chain_max_s.items():
            if c not in TEMPERATURE_CLASSES:
                err(f"cold_chain.max_time_s.{c}", "unknown temperature class")
            elif lim <= 0:
                err(f"cold_chain.max_time_s.{c}", "must be positive")
        if self.matrix.circuity < 1.0:
            err("matrix.circuity", "roads are never shorter than the great circle; use >= 1")
        if self.matrix.speed_kmh <= 0:
            err("matrix.speed_kmh", "must be positive")
        spans = sorted(self.traffic.periods, key=lambda r: r.start)
        for i, r in enumerate(self.traffic.periods):
            p = f"traffic[{i}]"
            if not 0 <= r.start < r.end <= DAY_S:
                err(p, f"a period runs from start to a later end within the day, got "
                       f"{r.start}..{r.end}")
            if not math.isfinite(r.factor) or r.factor < 1.0:
                err(f"{p}.factor", "must be at least 1 (1.4: 40 % slower than free flow)")
        for a, b in itertools.pairwise(spans):
            if b.start < a.end:
                err("traffic", f"periods overlap at {format_clock(b.start)}")
        if self.rest is not None:
            if self.rest.length_s <= 0:
                err("rest.length_s", "must be positive")
            if self.rest.max_stretch_s <= 0:
                err("rest.max_stretch_s", "must be positive")
        if errors:
            raise ProblemError(errors)


@dataclass
class Visit:
    stop: str
    arrival: int
    service_start: int
    departure: int
    since_departure_s: int
    delivered: dict[str, ClassLoad]
    picked_up: dict[str, ClassLoad] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {"stop": self.stop, "arrival": self.arrival, "service_start": self.service_start,
             "departure": self.departure, "since_departure_s": self.since_departure_s,
             "delivered": _loads_to_dict(self.delivered)}
        if self.picked_up:
            d["picked_up"] = _loads_to_dict(self.picked_up)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Visit:
        return cls(stop=d["stop"], arrival=d["arrival"], service_start=d["service_start"],
                   departure=d["departure"], since_departure_s=d["since_departure_s"],
                   delivered=_loads_from_dict(d.get("delivered")),
                   picked_up=_loads_from_dict(d.get("picked_up")))


@dataclass
class Route:
    """One vehicle's day: loading starts at ``start``, it leaves at ``departure`` and is back
    at ``end``. ``duration_s`` counts from the start of loading to the return."""

    vehicle: str
    depot: str
    start: int
    departure: int
    end: int
    distance_km: float
    duration_s: int
    cost: float
    load: dict[str, ClassLoad]
    stops: list[Visit]
    # The driver's rest: {"stop": id of the stop where it is taken, "start", "end"}.
    rest: dict[str, Any] | None = None
    trip: int = 1  # the vehicle's first, second... trip of the day

    def to_dict(self) -> dict[str, Any]:
        d = {"vehicle": self.vehicle, "depot": self.depot, "start": self.start,
             "departure": self.departure, "end": self.end,
             "distance_km": round(self.distance_km, 3), "duration_s": self.duration_s,
             "cost": round(self.cost, 2), "load": _loads_to_dict(self.load),
             "stops": [v.to_dict() for v in self.stops]}
        if self.rest is not None:
            d["rest"] = dict(self.rest)
        if self.trip != 1:
            d["trip"] = self.trip
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Route:
        return cls(vehicle=d["vehicle"], depot=d["depot"], start=d["start"],
                   departure=d["departure"], end=d["end"], distance_km=d["distance_km"],
                   duration_s=d["duration_s"], cost=d["cost"],
                   load=_loads_from_dict(d.get("load")),
                   stops=[Visit.from_dict(v) for v in d.get("stops", [])],
                   rest=d.get("rest"), trip=d.get("trip", 1))


@dataclass
class Unassigned:
    """A stop left unserved, with a machine-readable reason and a human explanation."""

    stop: str
    reason: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        out = {"stop": self.stop, "reason": self.reason, "message": self.message}
        if explained := messages.as_dict(self.message):
            out["explained"] = explained
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Unassigned:
        return cls(stop=d["stop"], reason=d["reason"],
                   message=messages.from_dict(d.get("explained"), d.get("message", "")))


@dataclass
class Solution:
    routes: list[Route]
    unassigned: list[Unassigned]
    total_cost: float
    total_distance_km: float
    vehicles_used: int
    status: str = "ok"
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "total_cost": round(self.total_cost, 2),
                "total_distance_km": round(self.total_distance_km, 3),
                "vehicles_used": self.vehicles_used,
                "routes": [r.to_dict() for r in self.routes],
                "unassigned": [u.to_dict() for u in self.unassigned], "stats": self.stats}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Solution:
        return cls(routes=[Route.from_dict(r) for r in d.get("routes", [])],
                   unassigned=[Unassigned.from_dict(u) for u in d.get("unassigned", [])],
                   total_cost=d.get("total_cost", 0.0),
                   total_distance_km=d.get("total_distance_km", 0.0),
                   vehicles_used=d.get("vehicles_used", 0), status=d.get("status", "ok"),
                   stats=d.get("stats", {}))

    @classmethod
    def from_json(cls, text: str) -> Solution:
        return cls.from_dict(json.loads(text))
