"""Shared fixtures: the reference vectors and logger downloads kept next to these tests."""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def excursion_vectors() -> dict:
    return json.loads((DATA / "excursion_vectors.json").read_text())
