"""Fixtures of the end-to-end tests that sign people in to the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.test_pages import PASSWORD
from wms import accounts
from wms.db import transaction
from wms.models import User


@pytest.fixture
def people(sessions, world):
    """The world's people, with a password each (the test world has none)."""
    with transaction(sessions) as s:
        for user in s.scalars(select(User)):
            user.password_hash = accounts.hash_password(PASSWORD)
    return world
