"""Ruin and recreate: its quick re-timing agrees with a full one, and every plan it hands
back can be driven, on timed Solomon days and on cold-chain days alike."""

from __future__ import annotations

import random

import pytest

from routing.engine import diagnose
from routing.engine.improve import RuinRecreate
from routing.engine.insertion import Inserter
from routing.engine.matrix import GreatCircleProvider, build_matrices
from routing.engine.schedule import Infeasible, RouteTimer
from routing.engine.solomon import read_instance, to_problem
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate

from .conftest import SOLOMON_DIR


def _loop(problem, matrices):
    timer = RouteTimer(problem, matrices)
    allowed, unassigned = diagnose.precheck(problem, timer)
    servable = [si for si in range(len(problem.stops)) if si not in unassigned]
    inserter = Inserter(problem, timer, allowed)
    inserter.insert_all(servable)
    loop = RuinRecreate(Inserter(problem, timer, allowed), servable, cost=lambda plan: 0.0)
    return loop, inserter.sequences(), timer


@pytest.mark.parametrize("name", ["R101", "RC208"])
def test_an_insertion_is_timed_as_a_full_re_timing_would(name):
    problem, matrices = to_problem(read_instance(SOLOMON_DIR / f"{name}.txt"))
    loop, plan, _ = _loop(problem, matrices)
    loop._set(plan)
    rng = random.Random(3)
    for _ in range(300):
        removed = loop._ruin()
        loads = loop._loads()
        rng.shuffle(removed)
        for si in removed:
            loop._insert(si, loads)
        for vi, r in enumerate(loop.routes):
            full = loop._route(vi, list(r.stops))
            assert (r.finish, r.latest, r.prev, r.next) == (
                full.finish, full.latest, full.prev, full.next)
            assert r.cost == pytest.approx(full.cost)


def test_every_route_it_holds_on_a_cold_chain_day_can_be_driven(city):
    matrices = build_matrices(city.points(), GreatCircleProvider(city.matrix.circuity,
                                                                 city.matrix.speed_kmh))
    loop, plan, timer = _loop(city, matrices)
    assert not loop.exact  # cold-chain limits: the schedule decides
    loop._set(plan)
    for _ in range(200):
        removed = loop._ruin()
        loads = loop._loads()
        for si in removed:
            loop._insert(si, loads)
        for vi, r in enumerate(loop.routes):
            if r.stops:
                assert not isinstance(timer.schedule(city.vehicles[vi], r.stops), Infeasible)


def test_a_cold_chain_day_planned_with_ruin_and_recreate_is_valid(city):
    solution = solve(city, SolveOptions(time_limit_s=1.0, ruin_recreate_share=0.9))
    assert "ruin_recreate" in solution.stats
    assert validate(city, solution) == []
    assert solution.unassigned == []
