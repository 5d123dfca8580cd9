import json

import pytest

from routing.engine.model import Problem, ProblemError, Solution, format_clock, parse_clock


def test_clock_parsing_accepts_seconds_and_hh_mm():
    assert parse_clock("07:30") == 27000
    assert parse_clock("07:30:15") == 27015
    assert parse_clock(3600) == 3600
    assert format_clock(27015) == "07:30:15"
    with pytest.raises(ProblemError):
        parse_clock("7h30")


def test_json_round_trip_is_lossless(city):
    again = Problem.from_json(city.to_json())
    assert again.to_dict() == city.to_dict()


def test_example_file_loads_with_clock_strings(example_path):
    problem = Problem.from_json(example_path.read_text())
    assert problem.depots[0].open == 5 * 3600
    assert problem.cold_chain_max_s == {"frozen": 5400, "chilled": 9000}
    assert problem.vehicles[0].max_duration_s == 7 * 3600


def test_errors_name_the_stop_and_field(city):
    data = city.to_dict()
    data["stops"][3]["window"] = [9 * 3600, 8 * 3600]
    data["stops"][1]["demand"]["lukewarm"] = {"crates": 1, "kg": 1}
    data["vehicles"][2]["depot"] = "nowhere"
    data["depots"][1]["lat"] = 123.0
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(data)
    paths = {e["path"] for e in info.value.errors}
    assert {"stops[3].window", "stops[1].demand.lukewarm", "vehicles[2].depot",
            "depots[1].lat"} <= paths
    assert all(e["message"] for e in info.value.errors)


def test_missing_fields_and_bad_clock_are_reported(city):
    data = city.to_dict()
    del data["stops"][0]["lat"]
    data["stops"][2]["window"] = ["8am", "09:00"]
    data["vehicles"][0]["compartments"].append({"temperature": "frozen", "crates": 1, "kg": 1})
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(data)
    paths = [e["path"] for e in info.value.errors]
    assert "stops[0].lat" in paths
    assert "stops[2].window[0]" in paths


def test_duplicate_compartment_class_rejected(city):
    data = city.to_dict()
    data["vehicles"][0]["compartments"].append({"temperature": "frozen", "crates": 1, "kg": 1})
    with pytest.raises(ProblemError) as info:
        Problem.from_dict(data)
    assert info.value.errors[0]["path"] == "vehicles[0].compartments[2].temperature"


def test_invalid_json_is_a_problem_error():
    with pytest.raises(ProblemError):
        Problem.from_json("{not json")


def test_cold_chain_limit_is_the_tightest_class(city):
    assert city.cold_chain_limit(city.stops[3]) == 3600  # frozen + chilled
    assert city.cold_chain_limit(city.stops[1]) == 5400
    assert city.cold_chain_limit(city.stops[2]) is None


def test_solution_json_round_trip():
    data = {"status": "ok", "total_cost": 10.0, "total_distance_km": 2.0, "vehicles_used": 1,
            "routes": [{"vehicle": "V", "depot": "D", "start": 1, "departure": 2, "end": 9,
                        "distance_km": 2.0, "duration_s": 8, "cost": 10.0,
                        "load": {"ambient": {"crates": 1, "kg": 2.0}},
                        "stops": [{"stop": "s", "arrival": 3, "service_start": 4, "departure": 5,
                                   "since_departure_s": 2,
                                   "delivered": {"ambient": {"crates": 1, "kg": 2.0}}}]}],
            "unassigned": [{"stop": "t", "reason": "no_room", "message": "m"}], "stats": {}}
    assert json.loads(Solution.from_dict(data).to_json()) == data
