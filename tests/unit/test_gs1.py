from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.gs1 import GROUP_SEPARATOR as GS
from wms.gs1 import ScanError, parse_scan
from wms.gtin import check_digit

GTIN = "09506000134352"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
VARIABLE_LENGTH = {"10", "21", "30", "37"}


def scan_error(text: str, **kwargs) -> ScanError:
    with pytest.raises(ScanError) as caught:
        parse_scan(text, **kwargs)
    return caught.value


# --- what scanners send -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    f"01{GTIN}1720123110ABC",
    f"01{GTIN}10ABC{GS}17201231",
    f"01{GTIN}10ABC|17201231",
    f"]C101{GTIN}10ABC{GS}17201231\r\n",
    f"]d201{GTIN}10ABC{GS}17201231",
    f"]Q301{GTIN}10ABC|17201231",
    f"]e001{GTIN}10ABC{GS}17201231",
    f"  (01){GTIN}(17)201231(10)ABC  \n",
    "(01) 09506000134352 (17) 201231 (10) ABC",
    f"https://id.gs1.org/01/{GTIN}/10/ABC?17=201231",
    "https://scan.example.com/products/01/9506000134352/10/ABC?17=201231&utm_source=x",
    f"]Q1https://id.gs1.org/01/{GTIN}/10/ABC?17=201231",
])
def test_every_form_of_the_same_label_reads_the_same(text):
    scan = parse_scan(text)
    assert (scan.gtin, scan.lot, scan.expiry) == (GTIN, "ABC", date(2020, 12, 31))
    assert not scan.is_content_gtin
    assert scan.raw == text
    assert scan.hints == ()


def test_kind_and_symbology_are_reported():
    assert parse_scan(f"]C101{GTIN}").kind == "gs1"
    assert parse_scan(f"]C101{GTIN}").symbology == "]C1"
    assert parse_scan(f"https://id.gs1.org/01/{GTIN}").kind == "digital_link"
    assert parse_scan(GTIN).kind == "gtin"
    assert parse_scan(GTIN).symbology is None


def test_a_configured_separator_replaces_the_pipe():
    assert parse_scan(f"01{GTIN}10ABC~17201231", separator="~").lot == "ABC"
    # With "~" configured, "|" is just an unreadable character after the lot.
    assert scan_error(f"01{GTIN}10ABC|17201231", separator="~").field == "lot"


@pytest.mark.parametrize("separator", ["", "ab", "A", "7", "-"])
def test_a_separator_that_a_barcode_could_carry_as_data_is_a_programming_error(separator):
    with pytest.raises(ValueError, match="separator"):
        parse_scan(f"01{GTIN}", separator=separator)


@pytest.mark.parametrize(("text", "gtin"), [
    ("4006381333931", "04006381333931"),
    ("96385074", "00000096385074"),
    ("036000291452", "00036000291452"),
    ("10614141000415", "10614141000415"),
    ("]E04006381333931", "04006381333931"),
    ("]E496385074", "00000096385074"),
    ("]I110614141000415", "10614141000415"),
])
def test_plain_gtins_are_stored_in_14_digit_form(text, gtin):
    scan = parse_scan(text)
    assert (scan.kind, scan.gtin, scan.lot, scan.elements) == ("gtin", gtin, None, (("01", gtin),))


def test_digits_that_are_both_an_ean8_and_an_expiry_follow_the_symbology_identifier():
    assert parse_scan("17251211").kind == "gtin"
    assert parse_scan("17251211").gtin == "00000017251211"
    labelled = parse_scan("]C117251211")
    assert (labelled.kind, labelled.gtin, labelled.expiry) == ("gs1", None, date(2025, 12, 11))


def test_gtin_length_digits_failing_the_check_are_read_as_fixed_length_fields():
    assert parse_scan("17211200").expiry == date(2021, 12, 31)
    assert parse_scan("3103001250").net_weight_kg == Decimal("1.250")


def test_sscc_only_pallet_label():
    scan = parse_scan("]C100373400306809981733")
    assert (scan.kind, scan.sscc, scan.gtin) == ("sscc", "373400306809981733", None)


def test_logistic_unit_label_with_content_gtin_and_count():
    scan = parse_scan(f"00373400306809981733|02{GTIN}3712|10L-7|15260300")
    assert scan.kind == "gs1"
    assert (scan.sscc, scan.gtin, scan.is_content_gtin) == ("373400306809981733", GTIN, True)
    assert (scan.count, scan.lot, scan.best_before) == (12, "L-7", date(2026, 3, 31))


def test_trade_item_fields():
    scan = parse_scan(f"01{GTIN}3103001250|11250101|13250102|422156|21SN-001|308")
    assert scan.net_weight_kg == Decimal("1.250")
    assert (scan.production_date, scan.pack_date) == (date(2025, 1, 1), date(2025, 1, 2))
    assert (scan.country_of_origin, scan.serial, scan.count) == ("156", "SN-001", 8)


def test_pounds_are_converted_to_kilograms_exactly():
    assert parse_scan(f"01{GTIN}3202000500").net_weight_kg == Decimal("2.26796185")
    both = parse_scan(f"01{GTIN}32020005003103002268")
    assert both.net_weight_kg == Decimal("2.268")


def test_a_lot_may_hold_20_characters_of_the_gs1_character_set():
    lot = "AZaz09!\"%&'*+,-./:;<"
    assert parse_scan(f"01{GTIN}10{lot}").lot == lot
    assert parse_scan(f"01{GTIN}10{lot}|17201231").lot == lot


def test_unknown_ais_are_kept_in_elements():
    scan = parse_scan(f"01{GTIN}|91INTERNAL|7003{'2501021415'}")
    assert dict(scan.elements) == {"01": GTIN, "91": "INTERNAL", "7003": "2501021415"}


# --- errors for the person at the scanner --------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "\r\n", "|||", GS])
def test_empty_scan(text):
    error = scan_error(text)
    assert error.field == "barcode"
    assert "nothing was scanned" in error.message


def test_bare_symbology_identifier_is_an_empty_scan():
    assert scan_error("]C1").field == "barcode"


def test_wrong_gtin_check_digit_message():
    error = scan_error("09506000134353")
    assert error.field == "gtin"
    assert error.message == ("the GTIN's check digit is wrong: 09506000134353 should end in 2 "
                             "— rescan or type the code")
    assert str(error) == error.message


@pytest.mark.parametrize("text", [
    f"01{GTIN[:-1]}3", f"(01){GTIN[:-1]}3", f"https://id.gs1.org/01/{GTIN[:-1]}3",
    "4006381333932", "]E04006381333932", f"02{GTIN[:-1]}3",
])
def test_wrong_gtin_check_digit_in_any_form(text):
    error = scan_error(text)
    assert error.field == "gtin"
    assert "should end in" in error.message


def test_wrong_sscc_check_digit():
    error = scan_error("00373400306809981734")
    assert error.field == "sscc"
    assert "373400306809981734 should end in 3" in error.message


@pytest.mark.parametrize(("text", "field", "reason"), [
    (f"01{GTIN}17251301", "expiry", "month 13"),
    (f"01{GTIN}17251301|10ABC", "expiry", "month 13"),
    (f"(01){GTIN}(15)250230", "best_before", "February has 28 days, not 30"),
    (f"01{GTIN}11240431", "production_date", "April has 30 days, not 31"),
    (f"https://id.gs1.org/01/{GTIN}?13=250013", "pack_date", "month 0"),
    ("https://example.com/01/9506000134352?17=2512", "expiry", "six digits"),
    (f"01{GTIN}|1725123", "expiry", "six digits"),
])
def test_a_date_that_is_not_a_date(text, field, reason):
    error = scan_error(text)
    assert error.field == field
    assert "is not a date" in error.message
    assert reason in error.message


@pytest.mark.parametrize("text", ["HELLO", "XYZ123", f"x(01){GTIN}", "(01", "(AB)123"])
def test_garbled_data(text):
    error = scan_error(text)
    assert error.field == "barcode"
    assert "rescan" in error.message


def test_unknown_application_identifier_in_printed_form():
    error = scan_error(f"(01){GTIN}(2)XYZ")
    assert (error.field, error.message.startswith("(2) is not")) == ("barcode", True)


def test_unknown_symbology_identifier():
    assert "symbology identifier" in scan_error("]x0123").message


def test_lot_too_long_without_separator_says_so():
    error = scan_error(f"01{GTIN}10ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert error.field == "lot"
    assert "longer than 20 characters" in error.message
    assert "group separator" in error.message


def test_lot_too_long_or_with_foreign_characters_in_printed_form():
    assert scan_error(f"(01){GTIN}(10){'A' * 21}").field == "lot"
    assert scan_error(f"(01){GTIN}(10)AB#C").field == "lot"
    assert scan_error(f"01{GTIN}10AB#C").field == "lot"


def test_digital_link_that_breaks_link_rules():
    error = scan_error(f"https://id.gs1.org/01/{GTIN}/21/S1/10/L1")
    assert error.field == "barcode"
    assert "Digital Link" in error.message
    assert scan_error("https://example.com/about").field == "barcode"


def test_conflicting_and_contradictory_fields():
    assert scan_error(f"01{GTIN}17251231|17251130").field == "expiry"
    assert scan_error(f"01{GTIN}02{GTIN}").field == "gtin"
    assert parse_scan(f"01{GTIN}17251231|17251231").expiry == date(2025, 12, 31)


def test_empty_count():
    assert scan_error(f"01{GTIN}30").field == "count"


# --- glued fields -------------------------------------------------------------------------------

def test_lot_swallowing_an_expiry_gets_a_hint_not_an_error():
    scan = parse_scan(f"01{GTIN}10ABC12317251231")
    assert scan.lot == "ABC12317251231"
    assert scan.expiry is None
    (hint,) = scan.hints
    assert hint == ("the lot 'ABC12317251231' seems to contain other fields "
                    "(17 = expiry 2025-12-31?); the scanner may not be sending the group "
                    "separator — set it to send ASCII 29 or '|'")


def test_hint_lists_every_swallowed_field_and_names_the_configured_separator():
    (hint,) = parse_scan(f"01{GTIN}21SN93103001250308", separator="~").hints
    assert "the serial 'SN93103001250308'" in hint
    assert "3103 = net weight (kg) 1.250, 30 = count '8'" in hint
    assert hint.endswith("ASCII 29 or '~'")


@pytest.mark.parametrize("swallowed", [f"01{GTIN}", "3103001250", "15260228"])
def test_hint_for_swallowed_identifiers_and_dates(swallowed):
    assert parse_scan(f"]C102{GTIN}10LOT{swallowed}").hints


@pytest.mark.parametrize("text", [
    f"01{GTIN}10ABC123",                     # digits, but nothing that reads as a field
    f"01{GTIN}10ABC17251331",                # 17 followed by month 13 is no date
    f"01{GTIN}10ABC{GS}17251231",            # separator sent: nothing glued
    f"01{GTIN}10L17251231{GS}21X",           # lot not last: the scanner does send separators
    f"01{GTIN}10ABC1725123",                 # 17 with only five digits after it
    f"01{GTIN}10AB01{GTIN[:-1]}3",           # embedded GTIN with a wrong check digit
    f"01{GTIN}10AB1012",                     # lone variable-length field is too weak a sign
    f"(01){GTIN}(10)ABC12317251231",         # printed form delimits every field
    f"https://id.gs1.org/01/{GTIN}/10/ABC12317251231",
])
def test_no_hint(text):
    assert parse_scan(text).hints == ()


# --- properties ---------------------------------------------------------------------------------

def gtin14(body: str) -> str:
    return body + str(check_digit(body))


def yymmdd(day: date, zero_day: bool) -> str:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.strftime("%y%m") + ("00" if zero_day and day.day == last else day.strftime("%d"))


@st.composite
def labels(draw):
    gtin = gtin14(draw(st.text("0123456789", min_size=13, max_size=13)))
    lot = draw(st.text(CSET82, min_size=1, max_size=20))
    serial = draw(st.none() | st.text(CSET82, min_size=1, max_size=20))
    dates = st.dates(date(2000, 1, 1), date(2060, 12, 31))
    expiry, produced = draw(dates), draw(dates)
    zero_day = draw(st.booleans())
    weight, decimals = draw(st.integers(0, 999_999)), draw(st.integers(0, 5))
    count = draw(st.text("0123456789", min_size=1, max_size=8))
    fields = [("01", gtin), ("10", lot), ("17", yymmdd(expiry, zero_day)),
              ("11", yymmdd(produced, False)), (f"310{decimals}", f"{weight:06d}"), ("30", count)]
    if serial is not None:
        fields.append(("21", serial))
    fields = draw(st.permutations(fields))
    expected = {
        "gtin": gtin, "lot": lot, "serial": serial, "expiry": expiry,
        "production_date": produced, "net_weight_kg": Decimal(weight).scaleb(-decimals),
        "count": int(count),
    }
    return fields, expected


def element_string(fields, separator: str) -> str:
    parts = []
    for ai, value in fields:
        parts.append(ai + value)
        if ai in VARIABLE_LENGTH:
            parts.append(separator)
    return "".join(parts)


def digital_link(fields, domain: str) -> str:
    values = dict(fields)
    path = f"{domain}/01/{values.pop('01')}/10/{quote(values.pop('10'), safe='')}"
    if "21" in values:
        path += f"/21/{quote(values.pop('21'), safe='')}"
    return f"{path}?{urlencode(values)}"


def forms(fields):
    yield element_string(fields, GS)
    yield element_string(fields, "|")
    yield "]C1" + element_string(fields, GS) + "\r\n"
    yield "]d2" + element_string(fields, "|")
    if not any("(" in value for _, value in fields):
        yield "".join(f"({ai}){value}" for ai, value in fields)
    yield digital_link(fields, "https://id.gs1.org")
    yield digital_link(fields, "https://labels.example.com/fresh")


@given(labels())
def test_every_form_reads_the_same_fields(label):
    fields, expected = label
    for text in forms(fields):
        scan = parse_scan(text)
        got = {name: getattr(scan, name) for name in expected}
        assert got == expected, text
        assert sorted(scan.elements) == sorted(fields), text


@given(st.sampled_from([8, 12, 13, 14]), st.data())
def test_plain_gtins_of_every_length(length, data):
    code = gtin14(data.draw(st.text("0123456789", min_size=length - 1, max_size=length - 1)))
    scan = parse_scan(code)
    assert (scan.kind, scan.gtin) == ("gtin", code.zfill(14))


@given(st.sampled_from("059"), st.text("0123456789", min_size=11, max_size=11),
       st.integers(1, 9))
def test_any_wrong_check_digit_names_the_right_one(first, rest, offset):
    good = gtin14(first + rest)
    bad = good[:-1] + str((int(good[-1]) + offset) % 10)
    error = scan_error(bad)
    assert error.field == "gtin"
    assert f"{bad} should end in {good[-1]}" in error.message


SCANNER_NOISE = st.sampled_from([
    *"0123456789()|]Cd2Qe1E:/?=&%[]# ABCabc-.", GS, "https://", "http://[", "01", "10", "17",
    "00", "(01)", "?17=", "/01/", "3103", "7003", "422", "30", "21", GTIN,
])
FIELDS = {"barcode", "gtin", "sscc", "lot", "serial", "expiry", "best_before", "production_date",
          "pack_date", "net_weight_kg", "count", "country_of_origin"}


@given(st.lists(SCANNER_NOISE, max_size=30).map("".join) | st.text(max_size=40))
def test_any_input_either_reads_or_says_what_is_wrong(text):
    try:
        scan = parse_scan(text)
    except ScanError as error:
        assert error.message
        assert error.field in FIELDS
    else:
        assert scan.kind in {"gs1", "digital_link", "gtin", "sscc"}
        assert scan.gtin is None or len(scan.gtin) == 14


def test_malformed_link_host():
    assert scan_error("http://[").field == "barcode"
