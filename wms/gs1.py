"""Reading what a handheld scanner sends: GS1 barcodes, GS1 Digital Link URIs and plain GTINs.

Longer than 400 lines because the four input forms share one element-string reader and its
error messages, and the glued-field hint reads lots with that same reader.

`parse_scan` accepts the forms scanners and people actually produce:

* GS1 element strings (GS1-128, GS1 DataMatrix, GS1 QR, DataBar) with ASCII 29 between
  variable-length fields, or with a stand-in character that the scanner is configured to send
  instead (``|`` by default), with or without a symbology identifier such as ``]C1``;
* the printed form with parentheses, ``(01)09506000134352(17)201231(10)ABC``;
* GS1 Digital Link URIs on id.gs1.org or any other domain;
* plain EAN-13, UPC-A, EAN-8 and GTIN-14 digits.

Ambiguity between a plain GTIN and an all-digit element string (``17211200`` is both an
8-digit number and "expiry 2021-12-31") is settled like this: a symbology identifier decides
when present; otherwise a number with a valid GTIN check digit is a GTIN, and a number that
fails the check is read as an element string only if every field in it has a fixed length,
because a GTIN with a typing error is far more common than a lone open-ended field such as a
purchase order number (AI 400).

Glued fields: a scanner that does not send the group separator makes a lot or serial number
swallow every field after it. When the last field is a lot or serial whose tail reads as a
complete run of fields starting with a date, a measure, a GTIN or an SSCC that is itself valid,
the scan gets a hint for the person at the scanner; so does a lot ending in a count (AI 30 or
37) right after a letter or a short run of digits, when the label has no count of its own
(``10LOT-A13712``: lot ``LOT-A1``, count 12). It is only ever a hint, never an error:
lot codes such as ``L17251231`` are legitimately made of digits that look like a date, and the
printed label is the only authority on which reading is right.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, unquote, urlsplit

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.symbology import GS1Symbology, SymbologyIdentifier

from wms.gtin import check_digit, is_valid_gtin, to_gtin14
from wms.i18n import N_

GROUP_SEPARATOR = "\x1d"
LB_TO_KG = Decimal("0.45359237")  # the international pound, exact by definition
_GTIN_LENGTHS = (8, 12, 13, 14)
_GTIN_SYMBOLOGIES = {GS1Symbology.EAN_13, GS1Symbology.EAN_8, GS1Symbology.ITF_14}
_CSET82 = re.compile(r"[!%-?A-Z_a-z\x22]")
_DATE_FIELDS = {"11": "production_date", "13": "pack_date", "15": "best_before", "17": "expiry"}
_FIELDS = {"00": "sscc", "01": "gtin", "02": "gtin", "10": "lot", "21": "serial",
           "30": "count", "37": "count", "422": "country_of_origin", **_DATE_FIELDS}
_LABELS = {"00": N_("SSCC"), "01": N_("GTIN"), "02": N_("content GTIN"), "10": N_("lot"),
           "11": N_("production date"), "13": N_("pack date"), "15": N_("best before"),
           "17": N_("expiry"), "21": N_("serial"), "30": N_("count"), "37": N_("count"),
           "422": N_("country of origin")}
RESCAN = N_("rescan or type the code")
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
           N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
           N_("December"))


@dataclass(frozen=True)
class ScanData:
    """What one scan says, with dates, weights and counts already converted."""

    raw: str
    kind: str
    gtin: str | None
    is_content_gtin: bool
    lot: str | None
    expiry: date | None
    best_before: date | None
    production_date: date | None
    pack_date: date | None
    net_weight_kg: Decimal | None
    count: int | None
    country_of_origin: str | None
    serial: str | None
    sscc: str | None
    hints: tuple[str, ...]
    symbology: str | None = None
    """The symbology identifier the scanner prefixed, e.g. ``]C1``."""
    elements: tuple[tuple[str, str], ...] = ()
    """Every (AI, value) pair in scan order, including AIs that have no field above."""


class ScanError(ValueError):
    """The scan cannot be understood.

    ``message`` is written for a person at a scanner; ``field`` names what is wrong
    (``gtin``, ``sscc``, ``lot``, ``expiry``, ``barcode``, ...).
    """

    def __init__(self, message: str, field: str = "barcode") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def parse_scan(text: str, separator: str = "|") -> ScanData:
    """Read one scan; raise `ScanError` with a message for the person at the scanner."""
    if len(separator) != 1 or _CSET82.fullmatch(separator):
        raise ValueError(f"separator {separator!r} must be one character outside GS1 CSET 82")
    data = text.strip().strip(separator + GROUP_SEPARATOR).strip()
    if not data:
        raise ScanError(N_("nothing was scanned — scan the barcode again"))
    symbology = None
    if data.startswith("]"):
        try:
            sid = SymbologyIdentifier.extract(data)
        except (ParseError, IndexError):
            raise ScanError(N_("{data} starts with an unknown symbology identifier — "
                               "check the scanner settings", data=repr(data))) from None
        symbology, data = sid.value, data[len(sid):].strip(separator + GROUP_SEPARATOR)
        if not data:
            raise ScanError(N_("nothing was scanned — scan the barcode again"))
        gs1_symbology = sid.gs1_symbology
    else:
        gs1_symbology = None
    config = ParseConfig(separator_chars=(GROUP_SEPARATOR, separator))

    if re.match(r"https?://", data, re.IGNORECASE):
        elements = _read_digital_link(data, config)
        return _scan_data(text, "digital_link", symbology, elements, ())
    if data.startswith("("):
        return _scan_data(text, "gs1", symbology, _read_hri(data, config), ())
    if gs1_symbology in _GTIN_SYMBOLOGIES or (
        data.isdigit() and len(data) in _GTIN_LENGTHS
        and gs1_symbology not in GS1Symbology.with_gs1_messages()
    ):
        if is_valid_gtin(data) or gs1_symbology in _GTIN_SYMBOLOGIES:
            return _plain_gtin(text, data, symbology)
        try:
            elements = _read_element_string(data, config, separator)
        except ScanError:
            elements = []
        if not elements or any(".." in es.ai.format for es in elements):
            return _plain_gtin(text, data, symbology)
    else:
        elements = _read_element_string(data, config, separator)
    hints = tuple(h for es in elements[-1:] if (h := _glued_hint(es, elements, config, separator)))
    return _scan_data(text, "gs1", symbology, elements, hints)


def _plain_gtin(raw: str, digits: str, symbology: str | None) -> ScanData:
    if not digits.isdigit() or len(digits) not in _GTIN_LENGTHS:
        raise ScanError(N_("{digits} is not a GTIN: expected 8, 12, 13 or 14 digits — {rescan}",
                           digits=repr(digits), rescan=RESCAN), "gtin")
    _check_gtin(digits)
    gtin = to_gtin14(digits)
    return ScanData(
        raw=raw, kind="gtin", gtin=gtin, is_content_gtin=False, lot=None, expiry=None,
        best_before=None, production_date=None, pack_date=None, net_weight_kg=None, count=None,
        country_of_origin=None, serial=None, sscc=None, hints=(), symbology=symbology,
        elements=(("01", gtin),),
    )


def _check_gtin(code: str) -> None:
    if not is_valid_gtin(code):
        raise ScanError(N_("the GTIN's check digit is wrong: {code} should end in {digit} — "
                           "{rescan}", code=code, digit=check_digit(code[:-1]), rescan=RESCAN),
                        "gtin")


def _read_element_string(data: str, config: ParseConfig, separator: str) -> list[GS1ElementString]:
    elements: list[GS1ElementString] = []
    rest = data
    unterminated: GS1ElementString | None = None
    while rest:
        try:
            es = GS1ElementString.extract(rest, config=config)
        except ParseError:
            raise _element_error(data, rest, unterminated, separator) from None
        elements.append(es)
        rest = rest[len(es):]
        # A variable-length field that stops without a separator stopped at its maximum length
        # or at a character it cannot hold; whatever follows is then misread.
        ended_by_separator = rest[:1] in (GROUP_SEPARATOR, separator)
        unterminated = es if es.ai.separator_required and not ended_by_separator else None
        rest = rest.lstrip(GROUP_SEPARATOR + separator)
    return elements


def _element_error(data: str, rest: str, unterminated: GS1ElementString | None,
                   separator: str) -> ScanError:
    if unterminated is not None:
        label = _label(unterminated.ai)
        return ScanError(N_(
            "cannot read {rest} after the {label} {value}: the {label} may be longer than "
            "{most} characters or hold a character a GS1 barcode cannot carry, or the scanner "
            "is not sending the group separator — set it to send ASCII 29 or {separator}",
            rest=repr(rest), label=label, value=repr(unterminated.value),
            most=unterminated.ai.format.split("..")[-1], separator=repr(separator)),
            _field(unterminated.ai.ai))
    ai = _lookup_ai(rest)
    if ai is None:
        return ScanError(N_("cannot read {data}: {start} does not start with a known GS1 "
                            "application identifier — {rescan}", data=repr(data),
                            start=repr(rest[:12]), rescan=RESCAN))
    value = re.split(f"[{re.escape(separator)}\x1d]", rest[len(ai.ai):], maxsplit=1)[0]
    if ".." not in ai.format:
        # Show only what the field would have held, not the fields glued behind it.
        mandatory = re.findall(r"[NX](\d+)", ai.format.split("[")[0])[1:]
        value = value[:sum(map(int, mandatory))]
    return _value_error(ai, value)


def _lookup_ai(text: str) -> GS1ApplicationIdentifier | None:
    try:
        return GS1ApplicationIdentifier.extract(text)
    except ParseError:
        return None


def _value_error(ai: GS1ApplicationIdentifier, value: str) -> ScanError:
    field, label = _field(ai.ai), _label(ai)
    if ai.ai in _DATE_FIELDS and (problem := _date_problem(value)):
        return ScanError(N_("the {label} date {value} is not a date ({problem}) — check the "
                            "label, rescan or type the code", label=label, value=repr(value),
                            problem=problem), field)
    return ScanError(N_("the {label} {value} does not have the GS1 format {format} — {rescan}",
                        label=label, value=repr(value), format=ai.format, rescan=RESCAN), field)


def _date_problem(value: str) -> str | None:
    if not re.fullmatch(r"\d{6}", value):
        return N_("expected six digits YYMMDD")
    month, day = int(value[2:4]), int(value[4:6])
    if not 1 <= month <= 12:
        return N_("month {month}", month=month)
    last = calendar.monthrange(2000 + int(value[:2]), month)[1]
    if day > last:
        return N_("{month} has {last} days, not {day}", month=_MONTHS[month - 1], last=last,
                  day=day)
    return None


def _read_hri(data: str, config: ParseConfig) -> list[GS1ElementString]:
    hri = "".join(data.split())
    pairs = re.findall(r"\((\d+)\)([^(]*)", hri)
    if not pairs or "".join(f"({ai}){value}" for ai, value in pairs) != hri:
        raise ScanError(N_("cannot read {data}: expected (AI)value(AI)value… — {rescan}",
                           data=repr(data), rescan=RESCAN))
    return [_parse_element(ai, value, config) for ai, value in pairs]


def _parse_element(ai_code: str, value: str, config: ParseConfig) -> GS1ElementString:
    ai = _lookup_ai(ai_code)
    if ai is None or ai.ai != ai_code:
        raise ScanError(N_("({ai}) is not a GS1 application identifier — {rescan}",
                           ai=ai_code, rescan=RESCAN))
    try:
        return GS1ElementString.parse(ai_code + value, config=config)
    except ParseError:
        raise _value_error(ai, value) from None


def _read_digital_link(uri: str, config: ParseConfig) -> list[GS1ElementString]:
    try:
        return list(GS1DigitalLinkURI.parse(uri, config=config).element_strings)
    except ParseError as exc:
        reason = str(exc)
    except ValueError as exc:  # urllib rejects some malformed hosts outright
        raise ScanError(N_("{uri} is not a readable link ({reason}) — {rescan}",
                           uri=repr(uri), reason=str(exc), rescan=RESCAN)) from None
    # Point at the field that is wrong rather than at the link as a whole when possible.
    parts = urlsplit(uri)
    segments = [unquote(s) for s in parts.path.split("/")]
    start = next((i for i, s in enumerate(segments) if _is_ai(s)), len(segments))
    path_pairs = zip(segments[start::2], segments[start + 1::2], strict=False)
    for key, value in [*path_pairs, *parse_qsl(parts.query)]:
        if _is_ai(key):
            _parse_element(key, value.zfill(14) if key == "01" else value, config)
    raise ScanError(N_("{uri} is not a GS1 Digital Link this system can read ({reason}) — "
                       "{rescan}", uri=repr(uri), reason=reason, rescan=RESCAN))


def _is_ai(text: str) -> bool:
    ai = _lookup_ai(text) if text.isdigit() else None
    return ai is not None and ai.ai == text


def _scan_data(raw: str, kind: str, symbology: str | None,
               elements: list[GS1ElementString], hints: tuple[str, ...]) -> ScanData:
    by_ai: dict[str, GS1ElementString] = {}
    for es in elements:
        first = by_ai.setdefault(es.ai.ai, es)
        if first.value != es.value:
            raise ScanError(N_("the barcode holds two different {label} values, {first} and "
                               "{second} — {rescan}", label=_label(es.ai),
                               first=repr(first.value), second=repr(es.value), rescan=RESCAN),
                            _field(es.ai.ai))
    if "01" in by_ai and "02" in by_ai:
        raise ScanError(N_("the barcode holds both a GTIN and a content GTIN — {rescan}",
                           rescan=RESCAN), "gtin")
    for code in ("01", "02"):
        if code in by_ai:
            _check_gtin(by_ai[code].value)
    sscc = by_ai["00"].value if "00" in by_ai else None
    if sscc is not None and check_digit(sscc[:-1]) != int(sscc[-1]):
        raise ScanError(N_("the SSCC's check digit is wrong: {sscc} should end in {digit} — "
                           "{rescan}", sscc=sscc, digit=check_digit(sscc[:-1]), rescan=RESCAN),
                        "sscc")
    gtin_es = by_ai.get("01") or by_ai.get("02")
    if kind == "gs1" and sscc is not None and gtin_es is None:
        kind = "sscc"
    count_es = by_ai.get("37") or by_ai.get("30")
    if count_es is not None and not count_es.value:
        raise ScanError(N_("the count is empty — {rescan}", rescan=RESCAN), "count")

    def text(ai: str) -> str | None:
        return by_ai[ai].value if ai in by_ai else None

    def day(ai: str) -> date | None:
        return by_ai[ai].date if ai in by_ai else None

    return ScanData(
        raw=raw, kind=kind, gtin=gtin_es.value if gtin_es else None,
        is_content_gtin=gtin_es is not None and gtin_es.ai.ai == "02",
        lot=text("10"), expiry=day("17"), best_before=day("15"), production_date=day("11"),
        pack_date=day("13"), net_weight_kg=_net_weight_kg(elements),
        count=int(count_es.value) if count_es else None, country_of_origin=text("422"),
        serial=text("21"), sscc=sscc, hints=hints, symbology=symbology,
        elements=tuple((es.ai.ai, es.value) for es in elements),
    )


def _net_weight_kg(elements: list[GS1ElementString]) -> Decimal | None:
    kg = next((es.decimal for es in elements if es.ai.ai.startswith("310")), None)
    if kg is not None:
        return kg
    lb = next((es.decimal for es in elements if es.ai.ai.startswith("320")), None)
    return lb * LB_TO_KG if lb is not None else None


def _glued_hint(es: GS1ElementString, elements: list[GS1ElementString], config: ParseConfig,
                separator: str) -> str | None:
    if es.ai.ai not in ("10", "21"):
        return None
    swallowed = _swallowed_fields(es.value, elements, config, separator)
    if swallowed is None and not any(e.ai.ai in ("30", "37") for e in elements):
        swallowed = _swallowed_count(es.value, config, separator)
    if swallowed is None:
        return None
    found = ", ".join(f"{s.ai.ai} = {_label(s.ai)} {_shown(s)}" for s in swallowed)
    return N_("the {label} {value} seems to contain other fields ({found}?); the "
              "scanner may not be sending the group separator — set it to send "
              "ASCII 29 or {separator}", label=_label(es.ai), value=repr(es.value),
              found=found, separator=repr(separator))


def _swallowed_fields(value: str, elements: list[GS1ElementString], config: ParseConfig,
                      separator: str) -> list[GS1ElementString] | None:
    carried = {e.ai.ai: e for e in elements[:-1]}
    expiry = next((e.date for e in elements[:-1] if e.ai.ai in ("15", "17") and e.date), None)
    for start in range(1, len(value) - 1):
        # Every field that stands out starts with eight digits (a two-digit AI and a date,
        # or the start of a GTIN, SSCC or measure): skip the parse everywhere else, which is
        # almost everywhere, since this runs on every scan that ends with a lot.
        head = value[start:start + 8]
        if len(head) < 8 or not head.isdigit() or head[:2] not in _STANDS_OUT_PREFIXES:
            continue
        try:
            swallowed = _read_element_string(value[start:], config, separator)
        except ScanError:
            continue
        # A label carries each AI once: a "swallowed" AI the label already has is part of
        # the lot. So is a production or pack date years before the label's own expiry
        # (lots such as the demo's SH26111200100 hold their receipt date and a number).
        if _stands_out(swallowed[0]) and not any(s.ai.ai in carried for s in swallowed) and (
                expiry is None or swallowed[0].ai.ai not in ("11", "13")
                or swallowed[0].date is None
                or 0 <= (expiry - swallowed[0].date).days <= 3 * 366):
            return swallowed
    return None


# A count glued to a lot (``LOT-A1`` + ``37`` ``12``): AI 30 or 37 and a count without a
# leading zero at the very end, right after a letter or a short run of digits. A count has
# no check digit, so a lot whose tail is a long number (a date, a product number, as the
# demo's ``SH26120100370`` is) is read as one number, never as a lot and a count.
_GLUED_COUNT = re.compile(r"(?<![0-9])[0-9]{0,2}(3[07][1-9][0-9]{0,7})")


def _swallowed_count(value: str, config: ParseConfig, separator: str
                     ) -> list[GS1ElementString] | None:
    for match in _GLUED_COUNT.finditer(value):
        if match.start() == 0 or match.end() != len(value) or value[:match.start(1)] == "":
            continue
        try:
            return _read_element_string(match.group(1), config, separator)
        except ScanError:
            return None
    return None


_STANDS_OUT_PREFIXES = frozenset(
    {ai[:2] for ai in _DATE_FIELDS} | {"00", "01", "02", "31", "32", "33", "34", "35", "36"})


def _stands_out(es: GS1ElementString) -> bool:
    """A field a lot code is unlikely to contain by chance: it carries its own validation."""
    if es.ai.ai in _DATE_FIELDS:
        return es.date is not None
    if es.ai.ai in ("01", "02"):
        return is_valid_gtin(es.value)
    if es.ai.ai == "00":
        return es.sscc is not None
    return es.ai.ai[:2] in ("31", "32", "33", "34", "35", "36")


def _shown(es: GS1ElementString) -> str:
    if es.date is not None:
        return es.date.isoformat()
    if es.decimal is not None:
        return str(es.decimal)
    return repr(es.value) if es.ai.separator_required else es.value


def _field(ai: str) -> str:
    if ai[:3] in ("310", "320"):
        return "net_weight_kg"
    return _FIELDS.get(ai, "barcode")


def _label(ai: GS1ApplicationIdentifier) -> str:
    if ai.ai[:3] == "310":
        return N_("net weight (kg)")
    if ai.ai[:3] == "320":
        return N_("net weight (lb)")
    return _LABELS.get(ai.ai, ai.data_title.lower())
