"""Logger files: tell a Berlinger Q-tag download from a generic CSV export and parse it."""

from __future__ import annotations

from coldchain.analysis.readings.conventions import ParsedReadings
from coldchain.analysis.readings.generic_csv import parse_csv
from coldchain.analysis.readings.qtag import parse_qtag


def is_qtag(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").startswith(b"Device: Q-tag")


def parse_logger_file(data: bytes, *, serial: str | None = None, tz: str | None = None,
                      unit: str | None = None, progress=None) -> tuple[str, ParsedReadings]:
    """Return the detected format ("qtag" or "csv") and the parsed readings.

    A Q-tag download names its own serial; a CSV without a serial column needs ``serial``.
    """
    options = {"tz": tz} if tz else {}
    if is_qtag(data[:64]):
        return "qtag", parse_qtag(data, **options).readings
    return "csv", parse_csv(data, default_serial=serial, unit=unit, progress=progress, **options)
