"""Reading a CSV block by block gives exactly what reading it row by row gives.

Files are built from good rows and rows a logger export really contains when something went
wrong (blank lines, quotes, a missing field, a word for a temperature, NaN, an impossible
value, a bad time, a missing serial, a decimal comma), in any mix, with blocks small enough
that good and bad blocks alternate.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coldchain.analysis.readings import generic_csv
from coldchain.analysis.readings.conventions import ReadingFormatError
from coldchain.analysis.readings.generic_csv import parse_csv

GOOD = st.builds(lambda s, m, c: f"{s},2026-11-01T{m // 60:02d}:{m % 60:02d}:00+08:00,{c}",
                 st.sampled_from(["A-1", "B-2", " C-3 "]), st.integers(0, 1439),
                 st.sampled_from(["3.5", "-18.25", "4", " 2.0 ", "1e1", "90", "-90"]))
BAD = st.sampled_from([
    "", "   ", 'A-1,"2026-11-01T00:00:00+08:00",3.0', "A-1,2026-11-01T00:00:00+08:00",
    "A-1,2026-11-01T00:00:00+08:00,warm", "A-1,2026-11-01T00:00:00+08:00,nan",
    "A-1,2026-11-01T00:00:00+08:00,inf", "A-1,2026-11-01T00:00:00+08:00,95.5",
    "A-1,yesterday,3.0", "A-1,,3.0", ",2026-11-01T00:00:00+08:00,3.0",
    "A-1,2026-11-01T00:00:00+08:00,3.0,extra", "A-1,2026-02-30T00:00:00+08:00,3.0",
    "A-1,2026-11-01T00:00:00+08:00,3,5", "A-1,2026-11-01T00:00:00+08:00,40 °F"])


def parsed(text, serial=None):
    try:
        r = parse_csv(text.encode(), default_serial=serial)
    except ReadingFormatError as exc:  # a file unreadable as a whole: the same for both
        return str(exc)
    return (r.serials, r.times.tolist(), r.temps_c.tolist(), r.refs.tolist(),
            [e.to_dict() for e in r.errors], r.detected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(GOOD, GOOD, GOOD, BAD), min_size=1, max_size=80),
       st.sampled_from([1, 3, 16, 8192]), st.sampled_from([None, "PRESET"]))
def test_blocks_read_exactly_as_rows(lines, block, serial):
    text = "serial,timestamp,temperature_c\n" + "\n".join(lines) + "\n"
    saved_block, saved_read = generic_csv._BLOCK_LINES, generic_csv._BlockReader.read
    generic_csv._BLOCK_LINES = block
    try:
        fast = parsed(text, serial)
        generic_csv._BlockReader.read = lambda self, lines: None
        slow = parsed(text, serial)
    finally:
        generic_csv._BLOCK_LINES, generic_csv._BlockReader.read = saved_block, saved_read
    assert fast == slow


def test_a_clean_block_is_read_by_columns_and_a_bad_line_names_itself():
    rows = [f"L-{i % 3},2026-11-01T00:{i % 60:02d}:00+08:00,{i / 10}" for i in range(50)]
    rows[30] = "L-0,2026-11-01T00:30:00+08:00,hot"
    r = parse_csv(("serial,timestamp,temperature_c\n" + "\n".join(rows)).encode())
    assert len(r) == 49 and [e.line for e in r.errors] == [32]
    assert "not a number" in r.errors[0].reason
    assert r.refs[:3].tolist() == [2, 3, 4] and 32 not in r.refs.tolist()
    assert np.all(np.diff(r.refs) >= 1)
