"""Second trips: a truck comes back to reload and goes out again in the same shift."""

import pytest

from routing.engine.model import (
    ClassLoad,
    Compartment,
    Depot,
    Problem,
    ProblemError,
    Solution,
    Stop,
    Vehicle,
)
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate

H = 3600


def two_waves(waves=(10 * H,)) -> Problem:
    """Eight stops of 5 crates, a truck of 20: one trip carries four of them. Four stops are
    wanted in the morning, four around midday."""
    stops = [Stop(f"M{i}", 31.20 + 0.01 * i, 121.46, window=(6 * H, 9 * H + 1800),
                  service_fixed_s=300, demand={"chilled": ClassLoad(5, 20.0)})
             for i in range(4)]
    stops += [Stop(f"N{i}", 31.20 + 0.01 * i, 121.48, window=(11 * H, 13 * H),
                   service_fixed_s=300, demand={"chilled": ClassLoad(5, 20.0)})
              for i in range(4)]
    truck = Vehicle("T1", "D", [Compartment("chilled", 20, 400.0)], shift_start=5 * H,
                    shift_end=15 * H, fixed_cost=300.0, cost_per_km=4.0, waves=list(waves))
    return Problem([Depot("D", 31.21, 121.44, open=4 * H, close=22 * H, loading_s=1200)],
                   stops, [truck], cold_chain_max_s={"chilled": 2 * H})


def test_one_truck_serves_the_morning_and_the_midday_wave():
    problem = two_waves()
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert not solution.unassigned
    first, second = solution.routes
    assert (first.vehicle, first.trip, second.vehicle, second.trip) == ("T1", 1, "T1", 2)
    assert {v.stop[0] for v in first.stops} == {"M"} and {v.stop[0] for v in second.stops} == {
        "N"}
    assert second.start >= first.end  # back and reloading before it leaves again
    # The cold-chain clock starts again at the second departure.
    assert all(v.since_departure_s == v.service_start - second.departure for v in second.stops)
    # The truck's fixed cost is paid once.
    assert first.cost > second.cost and pytest.approx(second.cost) == 4.0 * second.distance_km


def test_without_waves_the_truck_serves_one_wave_and_explains_the_rest():
    problem = two_waves(waves=())
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert len(solution.routes) == 1 and len(solution.unassigned) == 4


def test_the_validator_catches_overlapping_trips_and_too_many_of_them():
    problem = two_waves()
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    tampered = Solution.from_dict(solution.to_dict())
    tampered.routes[1].start = tampered.routes[0].end - 600
    assert any("before its previous trip is back" in v for v in validate(problem, tampered))
    one_trip = Problem.from_dict(problem.to_dict())
    one_trip.vehicles[0].waves = []
    assert any("is used by 2 routes" in v for v in validate(one_trip, solution))


def test_waves_round_trip_and_must_lie_inside_the_shift():
    problem = two_waves()
    assert Problem.from_json(problem.to_json()).vehicles[0].waves == [10 * H]
    bad = problem.to_dict()
    bad["vehicles"][0]["waves"] = ["16:00"]
    with pytest.raises(ProblemError) as e:
        Problem.from_dict(bad)
    assert any(x["path"] == "vehicles[0].waves" for x in e.value.errors)
