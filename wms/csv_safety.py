"""Cells of the CSV files the software writes, safe to open in a spreadsheet.

Names and codes in an export were typed by people, suppliers among them: a product named
``=HYPERLINK("http://…")`` would run as a formula in Excel or WPS when the file is opened
(CSV injection). A text cell that starts like a formula gets a leading apostrophe, which
spreadsheets show as text; numbers (a temperature of ``-18.5``) and dates stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def cell(value: Any) -> Any:
    """``value`` as a spreadsheet reads it as written (text that starts like a formula is
    quoted; anything else is left alone)."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if len(value) == 1 or _NUMBER.match(value):
        return value  # a lone dash for "none", or a signed number
    return "'" + value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]
