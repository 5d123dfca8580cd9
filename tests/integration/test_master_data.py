"""Database constraints on master data hold on both backends."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from wms import accounts, demo
from wms.db import transaction
from wms.integrity import run_checks
from wms.models import Location, PickupPoint, Product, Role, User, Vehicle, Warehouse


def test_staff_must_belong_to_a_warehouse(sessions, world):
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(User(username="nobody", display_name="x", role=Role.STAFF))
        s.flush()


def test_location_must_reference_an_existing_warehouse(sessions, world):
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(Location(warehouse_id=999, code="X", name="x", kind="storage"))
        s.flush()


def test_pickup_window_must_be_ordered(sessions, world):
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        p = s.get(PickupPoint, world.pickup_points["SH-P001"])
        p.window_start, p.window_end = time(9), time(6)
        s.flush()


def test_enum_values_are_checked_by_the_database(sessions, world):
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.execute(text("UPDATE location SET kind = 'attic'"))


def test_password_is_stored_hashed_and_verifies(sessions, world):
    with transaction(sessions) as s:
        user = accounts.create_user(s, username="pw", role="buyer", password="correct horse")
        assert "correct horse" not in user.password_hash
    with transaction(sessions) as s:
        assert accounts.authenticate_password(s, "pw", "correct horse").username == "pw"
        assert accounts.authenticate_password(s, "pw", "wrong") is None


def test_demo_data_set_loads_and_is_consistent(sessions):
    summary = demo.load(sessions, seed=7)
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Warehouse)) == 3
        assert s.scalar(select(func.count()).select_from(PickupPoint)) == 240
        # The catalogue's 300, and the bulk field case the repack line makes bags of.
        assert s.scalar(select(func.count()).select_from(Product)) == 301
        temps = set(s.scalars(select(Product.temp_class)))
        assert temps == {"frozen", "chilled", "ambient"}
        assert s.scalar(select(func.count()).select_from(Vehicle)) == 60
        assert run_checks(s)["ok"]
        for role, info in summary["tokens"].items():
            assert accounts.authenticate_token(s, info["token"]).role == role
        assert accounts.authenticate_password(s, "staff-sh", demo.DEMO_PASSWORD) is not None


def test_demo_refuses_a_database_that_already_has_data(sessions, world):
    with pytest.raises(RuntimeError, match="empty database"):
        demo.load(sessions)
