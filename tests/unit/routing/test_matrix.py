
import numpy as np
import pytest

from routing.engine.matrix import (
    FixedMatrixProvider,
    GreatCircleProvider,
    MatrixProvider,
    build_matrices,
    geodesic_m,
    haversine_m,
    travel_seconds,
)


def test_haversine_agrees_with_geodesic_within_half_a_percent():
    pts = [(31.2304, 121.4737), (31.1120, 121.3820), (39.9042, 116.4074), (22.5431, 114.0579)]
    d = haversine_m(pts)
    for i in range(len(pts)):
        assert d[i, i] == 0
        for j in range(i + 1, len(pts)):
            exact = geodesic_m(pts[i], pts[j])
            assert d[i, j] == pytest.approx(exact, rel=5e-3)
            assert d[i, j] == pytest.approx(d[j, i])


def test_provider_applies_circuity_and_speed():
    pts = [(31.0, 121.0), (31.1, 121.0)]
    dist, secs = GreatCircleProvider(circuity=1.5, speed_kmh=36).matrices(pts)
    straight = haversine_m(pts)[0, 1]
    assert dist[0, 1] == pytest.approx(1.5 * straight)
    assert secs[0, 1] == pytest.approx(dist[0, 1] / 10.0)  # 36 km/h = 10 m/s
    assert isinstance(GreatCircleProvider(), MatrixProvider)


def test_two_thousand_point_matrices_are_square_symmetric_and_zero_on_the_diagonal():
    # Their speed is measured by bench/matrix_bench.py, not here.
    rng = np.random.default_rng(0)
    pts = np.column_stack([31 + rng.random(2000) * 0.5, 121 + rng.random(2000) * 0.5])
    m = build_matrices(pts.tolist(), GreatCircleProvider())
    assert m.distance_m.shape == (2000, 2000)
    assert np.allclose(m.distance_m, m.distance_m.T)
    assert not np.diagonal(m.distance_m).any()


def test_travel_seconds_round_up_but_keep_exact_integers():
    t = np.array([[0.0, 10.2], [10.0, 59.999999999]])
    assert travel_seconds(t).tolist() == [[0, 11], [10, 60]]
    assert travel_seconds(t, 1.5).tolist() == [[0, 16], [15, 90]]


def test_fixed_provider_checks_size():
    p = FixedMatrixProvider(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError):
        p.matrices([(0, 0)] * 3)
    with pytest.raises(ValueError):
        FixedMatrixProvider(np.zeros((2, 3)), np.zeros((2, 3)))
