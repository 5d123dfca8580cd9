"""Random small problems: whatever the data, every stop is served or explained, and the
plan passes the independent validator."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.engine.diagnose import REASONS
from routing.engine.model import (
    TEMPERATURE_CLASSES,
    ClassLoad,
    Compartment,
    Depot,
    Problem,
    Stop,
    Vehicle,
)
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate

H = 3600


@st.composite
def problems(draw):
    n_depots = draw(st.integers(1, 2))
    depots = [Depot(f"D{i}", 31.0 + draw(st.floats(0, 0.2)), 121.0 + draw(st.floats(0, 0.2)),
                    open=draw(st.integers(4, 7)) * H, close=draw(st.integers(15, 22)) * H,
                    loading_s=draw(st.integers(0, 1800))) for i in range(n_depots)]
    stops = []
    for i in range(draw(st.integers(1, 7))):
        open_ = draw(st.integers(5 * H, 14 * H))
        classes = draw(st.lists(st.sampled_from(TEMPERATURE_CLASSES), min_size=1, max_size=2,
                                unique=True))
        stops.append(Stop(
            f"S{i}", 31.0 + draw(st.floats(0, 0.3)), 121.0 + draw(st.floats(0, 0.3)),
            window=(open_, open_ + draw(st.integers(0, 4 * H))),
            service_fixed_s=draw(st.integers(0, 900)),
            service_per_crate_s=draw(st.floats(0, 30)),
            demand={c: ClassLoad(draw(st.integers(0, 12)), draw(st.floats(0, 150)))
                    for c in classes},
            drop_penalty=draw(st.one_of(st.none(), st.floats(0, 500)))))
    vehicles = []
    for i in range(draw(st.integers(1, 3))):
        comps = draw(st.lists(st.sampled_from(TEMPERATURE_CLASSES), min_size=1, max_size=3,
                              unique=True))
        start = draw(st.integers(5, 9)) * H
        vehicles.append(Vehicle(
            f"V{i}", f"D{draw(st.integers(0, n_depots - 1))}",
            [Compartment(c, draw(st.integers(0, 25)), draw(st.floats(0, 400))) for c in comps],
            shift_start=start, shift_end=start + draw(st.integers(2, 10)) * H,
            max_duration_s=draw(st.one_of(st.none(), st.integers(1 * H, 8 * H))),
            fixed_cost=draw(st.floats(0, 200)), cost_per_km=draw(st.floats(0.5, 4)),
            speed_factor=draw(st.floats(0.8, 1.5))))
    cold = {c: draw(st.integers(10, 180)) * 60
            for c in draw(st.lists(st.sampled_from(("frozen", "chilled")), unique=True))}
    return Problem(depots, stops, vehicles, cold_chain_max_s=cold)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_problems_are_served_or_explained_and_valid(problem):
    solution = solve(problem, SolveOptions(time_limit_s=0.3))
    assert validate(problem, solution) == []
    served = {v.stop for r in solution.routes for v in r.stops}
    explained = {u.stop for u in solution.unassigned}
    assert served | explained == {s.id for s in problem.stops}
    assert not served & explained
    assert all(u.reason in REASONS and u.message for u in solution.unassigned)
