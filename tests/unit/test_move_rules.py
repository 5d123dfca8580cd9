"""The rule of what may move, cell by cell, and the README table that shows it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from wms.errors import Conflict
from wms.models import LotStatus
from wms.move_rules import MoveRefused, Step, allowed, check, status_of, table

S = LotStatus
# The rule as the food-safety issue states it, written out by hand: "y" allowed, "." not.
# Columns: available, hold, quarantine, recalled, spoiled, expired.
EXPECTED = {
    Step.RECEIVE: "y.....",
    Step.ALLOCATE: "y.....",
    Step.PICK: "y.....",
    Step.LOAD: "y.....",
    Step.DELIVER: "y.....",
    Step.HANDOVER: "y.....",
    Step.TRANSFER: "y.....",
    Step.QUARANTINE: "yyyyyy",
    Step.RETURN: "yyyyyy",
    Step.SCRAP: "yyyyyy",
    Step.RELEASE: ".yyy..",
    Step.REPACK: "y.....",
    Step.CORRECT: "yyyyyy",
}
COLUMNS = [S.AVAILABLE, S.HOLD, S.QUARANTINE, S.RECALLED, S.SPOILED, S.EXPIRED]


def test_the_table_covers_every_status_and_step():
    assert set(COLUMNS) == set(LotStatus)
    assert set(EXPECTED) == set(Step)


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("status", COLUMNS)
def test_each_cell(status, step):
    want = EXPECTED[step][COLUMNS.index(status)] == "y"
    assert allowed(status, step) is want
    if want:
        check(status, step, lot="L-A", reason="why")
    else:
        with pytest.raises(MoveRefused) as refused:
            check(status, step, lot="L-A", reason="why")
        assert isinstance(refused.value, Conflict) and refused.value.status == 409
        assert refused.value.detail.startswith("lot L-A is ")
        assert refused.value.extra["lot_status"] == status.value
        assert refused.value.extra["step"] == step.value


def test_messages_say_what_to_do():
    with pytest.raises(MoveRefused) as refused:
        check(S.HOLD, Step.HANDOVER, lot="L-A", reason="temperature abuse")
    assert refused.value.detail == ("lot L-A is on hold (temperature abuse): do not hand it "
                                    "over; return it to the warehouse")
    with pytest.raises(MoveRefused) as refused:
        check(S.SPOILED, Step.RELEASE, lot="L-A")
    assert refused.value.detail == "lot L-A is spoiled: it cannot be released; scrap it"
    with pytest.raises(MoveRefused) as refused:
        check(S.AVAILABLE, Step.RELEASE, lot="L-A")
    assert refused.value.detail == "lot L-A is available: there is nothing to release"


def test_an_available_lot_past_its_date_is_expired_from_the_next_day():
    day = date(2026, 12, 4)
    assert status_of(S.AVAILABLE, date(2026, 12, 4), day) == S.AVAILABLE
    assert status_of(S.AVAILABLE, date(2026, 12, 3), day) == S.EXPIRED
    assert status_of(S.AVAILABLE, None, day) == S.AVAILABLE
    # A held lot stays held: its release path decides about the date.
    assert status_of(S.HOLD, date(2026, 12, 3), day) == S.HOLD


def test_readme_shows_the_rule():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    found = re.search(r"<!-- move-rules -->\n(.*?)\n<!-- /move-rules -->", readme, re.S)
    assert found, "README lacks the 'What may move' table"
    assert found.group(1) == table()
