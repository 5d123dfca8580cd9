import io
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from coldchain.analysis.readings.conventions import ReadingFormatError
from coldchain.analysis.readings.generic_csv import parse_csv, parse_csv_text
from coldchain.analysis.readings.json_batch import normalise_json
from coldchain.analysis.readings.qtag import parse_qtag

DATA = Path(__file__).parent / "data"


def utc(*args):
    return int(datetime(*args, tzinfo=UTC).timestamp())


# --- CSV --------------------------------------------------------------------------------------


def test_comma_file_with_serial_iso_offsets_and_bad_rows_reported_by_line():
    text = (
        "Serial,Timestamp,Temperature\n"              # line 1
        "S1,2024-05-01T08:00:00+08:00,3.5\n"          # 2 good
        "S1,2024-05-01T08:05:00+08:00,abc\n"          # 3 not a number
        "S1,not a time,3.6\n"                         # 4 bad time
        "S1,2024-05-01T08:15:00+08:00,150\n"          # 5 impossible
        ",2024-05-01T08:20:00+08:00,3.7\n"            # 6 missing serial
        "\n"                                          # 7 blank
        "S2,2024-05-01T00:25:00Z,-18.5\n"             # 8 good
        "S2,2024-05-01T00:30:00Z\n"                   # 9 short
    )
    r = parse_csv_text(text)
    assert len(r) == 2
    assert r.refs.tolist() == [2, 8]
    assert r.serials == ["S1", "S2"]
    assert r.times.tolist() == [utc(2024, 5, 1, 0, 0), utc(2024, 5, 1, 0, 25)]
    assert r.temps_c.tolist() == [3.5, -18.5]
    reasons = {e.line: e.reason for e in r.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 9]
    assert "not a number" in reasons[3]
    assert "timestamp" in reasons[4]
    assert "physically possible" in reasons[5]
    assert reasons[6] == "missing serial"
    assert "fields" in reasons[9]
    assert r.errors[0].raw == "S1,2024-05-01T08:05:00+08:00,abc"
    assert r.errors[0].to_dict()["where"] == r.errors[0].where == "line 3"
    assert r.detected["delimiter"] == "," and r.detected["blank_lines"] == 1
    where, serial, ts, temp = next(r.rows())
    assert (where, serial, temp) == ("line 2", "S1", 3.5)
    assert ts == datetime(2024, 5, 1, 0, 0, tzinfo=UTC)


def test_semicolon_day_first_fahrenheit_header_and_decimal_comma():
    text = ("Device ID;Date;Time;Temp (°F)\n"
            "L-7;08/11/2022;04:49;39,2\n"
            "L-7;13/11/2022;16:05;41\n")
    r = parse_csv_text(text)
    assert r.detected["delimiter"] == ";"
    assert r.detected["unit"] == "F" and r.detected["unit_from"] == "header"
    assert r.detected["time_format"] == "day/month/year"
    # Naive times are Shanghai wall-clock time by default (UTC+8).
    assert r.times.tolist() == [utc(2022, 11, 7, 20, 49), utc(2022, 11, 13, 8, 5)]
    assert r.temps_c == pytest.approx([4.0, 5.0])


def test_month_first_is_detected_on_the_file():
    text = "sensor\tdatetime\ttemp\nA\t11/08/2022 4:49 PM\t2.0\nA\t11/13/2022 09:05\t2.5\n"
    r = parse_csv_text(text, tz="UTC")
    assert r.detected["delimiter"] == "\t"
    assert r.detected["time_format"] == "month/day/year"
    assert r.times.tolist() == [utc(2022, 11, 8, 16, 49), utc(2022, 11, 13, 9, 5)]


def test_ambiguous_dates_follow_the_option_and_say_so():
    text = "serial,timestamp,temp\nA,02/03/2024 10:00,1\n"
    r = parse_csv_text(text, tz="UTC")
    assert r.detected["date_order_ambiguous"] is True
    assert r.times[0] == utc(2024, 3, 2, 10, 0)
    r = parse_csv_text(text, tz="UTC", day_first=False)
    assert r.times[0] == utc(2024, 2, 3, 10, 0)


def test_epoch_seconds_and_milliseconds():
    r = parse_csv_text("id,epoch,temperature\nA,1714521600,4\nA,1714521660000,5\n",
                       default_serial="X")
    assert r.detected["time_format"] == "epoch"
    assert r.times.tolist() == [1714521600, 1714521660]


def test_default_serial_preamble_and_unit_option():
    text = ("Logger report\nSerial Number: EL-0042\n\n"
            "Time,Temperature\n2024-01-01 00:00,40\n2024-01-01 00:10,41\n")
    r = parse_csv_text(text, unit="F", tz="UTC")
    assert r.serials == ["EL-0042", "EL-0042"] and r.detected["serial_from"] == "preamble"
    assert r.detected["header_line"] == 4 and r.refs.tolist() == [5, 6]
    assert r.temps_c[0] == 4.44  # 40 °F, at the stated resolution of 0.01 °C
    r = parse_csv_text(text, default_serial="OTHER", tz="UTC")
    assert set(r.serials) == {"OTHER"}


ELITECH = ("Device Name:,RC-5\nSerial No.:,EF12345678\nStart Time:,2026-11-30 08:00:00\n"
           "Time Zone:,{zone}\nUnit:,°C\n\nNo.,Time,Temperature(°C)\n"
           "1,2026-11-30 08:00:00,3.2\n2,2026-11-30 08:05:00,3.4\n")


@pytest.mark.parametrize("zone, utc_hour", [
    ("UTC+08:00", 0), ("UTC+00:00", 8), ("GMT+8", 0), ("UTC", 8), ("+0530", 2.5),
    ("Europe/Berlin", 7), ("UTC-05:00", 13)])
def test_the_loggers_own_time_zone_and_serial_above_the_header_are_read(zone, utc_hour):
    """Key and value in cells of their own ("Serial No.:,EF…"), as many Chinese loggers write
    them; the zone the logger states wins over the place the file is read for."""
    r = parse_csv_text(ELITECH.format(zone=zone), tz="Asia/Shanghai")
    assert r.serials == ["EF12345678"] * 2 and r.detected["serial_from"] == "preamble"
    assert r.detected["time_zone"] == zone and r.detected["time_zone_from"] == "preamble"
    midnight = 1795996800  # 2026-11-30 00:00 UTC
    assert r.times.tolist()[0] == midnight + int(utc_hour * 3600)


def test_a_time_zone_above_the_header_that_cannot_be_read_is_refused():
    for zone in ("Mars/Olympus", "UTC+25:00", "local time"):
        with pytest.raises(ReadingFormatError, match="time zone"):
            parse_csv_text(ELITECH.format(zone=zone))


def test_file_level_problems_raise():
    with pytest.raises(ReadingFormatError, match="serial"):
        parse_csv_text("Time,Temp\n2024-01-01 00:00,4\n")
    with pytest.raises(ReadingFormatError, match="header"):
        parse_csv_text("a,b,c\n1,2,3\n")
    with pytest.raises(ReadingFormatError, match="°F"):
        parse_csv_text("serial,time,Temp (°F)\nA,2024-01-01 00:00,40\n", unit="C")
    with pytest.raises(ReadingFormatError, match="format"):
        parse_csv_text("serial,time,temp\nA,yesterday,4\n")


def test_daylight_saving_zone_and_values_with_units():
    text = "serial,timestamp,temp\nA,2024-03-10 01:30,4 °C\nA,2024-03-10 03:30,39.2F\n"
    r = parse_csv_text(text, tz="America/New_York")
    # 01:30 is EST (UTC−5); 03:30 is after the spring-forward, EDT (UTC−4).
    assert r.times.tolist() == [utc(2024, 3, 10, 6, 30), utc(2024, 3, 10, 7, 30)]
    assert r.temps_c == pytest.approx([4.0, 4.0])


def test_quoted_fields_bytes_and_latin1_degree_sign():
    raw = 'serial,"Date/Time","Temp (\xb0F)"\n"A","2024-01-01 00:00","32"\n'.encode("latin-1")
    r = parse_csv(raw, tz="UTC")
    assert r.detected["unit"] == "F" and r.temps_c.tolist() == [0.0]
    gbk = "设备号,时间,温度(℃)\nA,2024-01-01 00:00,-18.2\n".encode("gbk")
    r = parse_csv(io.BytesIO(gbk), tz="UTC")
    assert r.serials == ["A"] and r.temps_c.tolist() == [-18.2]


def test_by_serial_groups_rows_for_evaluation():
    text = ("serial,timestamp,temp\n"
            "A,2024-01-01 00:00,1\nB,2024-01-01 00:00,2\nA,2024-01-01 00:01,3\n")
    groups = parse_csv_text(text, tz="UTC").by_serial()
    assert sorted(groups) == ["A", "B"]
    assert groups["A"][1].tolist() == [1.0, 3.0]


def test_a_large_file_streams_with_progress_and_reports_its_bad_line(tmp_path):
    # Its speed is measured by bench/readings_bench.py, not here.
    n = 300_000
    start = np.datetime64("2024-01-01T00:00")
    stamps = np.datetime_as_string(start + np.arange(n).astype("timedelta64[m]"), unit="s")
    temps = np.round(np.random.default_rng(1).normal(3, 1, n), 1).astype(str)
    lines = np.char.add(np.char.add(np.char.add("S1,", stamps), ","), temps)
    lines[123_456] = "S1,2024-99-01T00:00:00,3.0"  # month 99
    path = tmp_path / "big.csv"
    path.write_text("serial,timestamp,temperature\n" + "\n".join(lines.tolist()) + "\n")
    seen = []
    r = parse_csv(path, progress=seen.append)
    assert len(r) == n - 1 and [e.line for e in r.errors] == [123_456 + 2]
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 10


# --- Berlinger Q-tag --------------------------------------------------------------------------


def test_qtag_download_is_read_with_device_results():
    q = parse_qtag(DATA / "RCPJ00010_02_202211090128.txt", tz="UTC")
    assert q.serial == "RCPJ00010" and q.device == "Q-tag CLm doc LR"
    assert q.mkt_energy_kj == 83.0 and q.logging_interval_min == 10
    assert len(q.readings) == 124 and q.readings.errors == []
    assert q.readings.refs[0] == 72  # the first data line of the file
    assert q.readings.temps_c.min() == q.summary["min_c"] == 0.9
    assert q.readings.temps_c.max() == q.summary["max_c"] == 24.3
    [e1, e2, e3] = q.events[5]
    assert (e1.start, e1.alarm_at, e1.end) == (utc(2022, 11, 8, 12, 16), utc(2022, 11, 8, 12, 46),
                                               utc(2022, 11, 8, 14, 41))
    assert (e2.accumulated_min, e3.extreme_c) == (32, 1.4)
    assert q.events[1][0].end is None
    assert q.rules()[0].name == "Q-tag alarm 1 (hot consecutive)"


def test_qtag_times_default_to_the_local_zone_and_bad_points_are_reported():
    text = (DATA / "RCPJ00010_03_202304201359.txt").read_bytes()
    text = text.replace(b"\t2023-04-17 15:33\t11.2\tx", b"\t2023-04-17 15:33\t--\tx", 1)
    q = parse_qtag(text)
    assert q.started_at == utc(2023, 4, 17, 7, 23)  # Asia/Shanghai, UTC+8
    [bad] = q.readings.errors
    assert bad.line == 69 and "not a number" in bad.reason
    assert len(q.readings) == 423


def test_not_a_qtag_file():
    with pytest.raises(ReadingFormatError):
        parse_qtag(b"hello\nworld\n")


# --- JSON batches -----------------------------------------------------------------------------


def test_json_batch_good_and_bad_readings_by_index():
    batch = {"readings": [
        {"serial": "G1", "timestamp": "2024-05-01T08:00:00+08:00", "temperature": 3.5},
        {"serial": "G1", "timestamp": "2024-05-01T08:01:00", "temperature": 3.5},
        {"serial": "", "timestamp": "2024-05-01T00:02:00Z", "temperature": "4"},
        {"serial": "G1", "timestamp": "2024-05-01T00:03:00Z", "temperature": 39.2, "unit": "F"},
        {"serial": "G1", "timestamp": "2024-05-01T00:04:00Z", "temperature": 3, "unit": "K"},
        {"serial": "G1", "timestamp": "yesterday", "temperature": 120.0},
        "not an object",
        {"timestamp": "2024-05-01T00:05:00Z"},
        {"serial": "G1", "timestamp": "2024-05-01T00:06:00Z", "temperature": True},
    ]}
    r = normalise_json(json.loads(json.dumps(batch)))
    assert r.refs.tolist() == [0, 3]
    assert r.times.tolist() == [utc(2024, 5, 1, 0, 0), utc(2024, 5, 1, 0, 3)]
    assert r.temps_c == pytest.approx([3.5, 4.0])
    where = [e.to_dict()["where"] for e in r.errors]
    assert where == ["readings[1].timestamp", "readings[2].serial", "readings[2].temperature",
                     "readings[4].unit", "readings[5].timestamp", "readings[5].temperature",
                     "readings[6]", "readings[7].serial", "readings[7].temperature",
                     "readings[8].temperature"]
    assert "UTC offset" in r.errors[0].reason
    assert [w for w, *_ in r.rows()] == ["readings[0]", "readings[3]"]


def test_json_batch_must_be_a_list():
    with pytest.raises(ReadingFormatError):
        normalise_json({"readings": "nope"})
    assert len(normalise_json([])) == 0
