"""Small hand-built problems shared by the routing tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.engine.model import ClassLoad, Compartment, Depot, Problem, Stop, Vehicle

EXAMPLE = Path(__file__).resolve().parents[3] / "routing/engine/examples/small_city.json"
SOLOMON_DIR = Path(__file__).resolve().parents[2] / "data" / "solomon"


def reefer(vid: str, depot: str = "D1", **kw) -> Vehicle:
    return Vehicle(vid, depot,
                   [Compartment("frozen", 10, 200.0), Compartment("chilled", 10, 200.0)],
                   shift_start=6 * 3600, shift_end=14 * 3600, **kw)


def van(vid: str, depot: str = "D1", **kw) -> Vehicle:
    return Vehicle(vid, depot, [Compartment("ambient", 20, 400.0)],
                   shift_start=6 * 3600, shift_end=14 * 3600, **kw)


def stop(sid: str, lat: float, lon: float, window=(7 * 3600, 12 * 3600), **demand) -> Stop:
    return Stop(sid, lat, lon, window=window, service_fixed_s=300, service_per_crate_s=10,
                demand={c: ClassLoad(q[0], q[1]) for c, q in demand.items()})


@pytest.fixture
def city() -> Problem:
    """Two depots in Shanghai, mixed demand, four vehicles; everything is servable."""
    depots = [Depot("D1", 31.22, 121.48, open=5 * 3600, close=22 * 3600, loading_s=600),
              Depot("D2", 31.15, 121.40, open=5 * 3600, close=22 * 3600, loading_s=600)]
    stops = [
        stop("a", 31.23, 121.47, frozen=(2, 20.0), chilled=(1, 5.0)),
        stop("b", 31.24, 121.50, chilled=(3, 30.0)),
        stop("c", 31.20, 121.45, ambient=(4, 40.0)),
        stop("d", 31.16, 121.42, frozen=(1, 10.0), chilled=(1, 10.0)),
        stop("e", 31.14, 121.38, ambient=(2, 15.0)),
        stop("f", 31.26, 121.52, chilled=(2, 12.0), window=(9 * 3600, 10 * 3600)),
    ]
    vehicles = [reefer("R1", "D1", fixed_cost=100, cost_per_km=3.0),
                reefer("R2", "D2", fixed_cost=100, cost_per_km=3.0, speed_factor=1.2),
                van("V1", "D1", fixed_cost=50, cost_per_km=1.5),
                van("V2", "D2", fixed_cost=50, cost_per_km=1.5)]
    return Problem(depots, stops, vehicles, cold_chain_max_s={"frozen": 3600, "chilled": 5400})


@pytest.fixture
def example_path() -> Path:
    return EXAMPLE


@pytest.fixture
def mk():
    """Builders for vehicles and stops (test modules cannot import conftest directly)."""
    from types import SimpleNamespace

    return SimpleNamespace(reefer=reefer, van=van, stop=stop)
