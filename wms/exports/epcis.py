"""Critical tracking events as a GS1 EPCIS 2.0 JSON-LD document.

Every event is an ``ObjectEvent`` (action ``OBSERVE``) about a quantity of one lot, and
validates against GS1's EPCIS 2.0 JSON schema (shipped in ``data/epcis``).

What: class-level identifiers, LGTIN URNs
``urn:epc:class:lgtin:<company prefix>.<indicator digit><item reference>.<lot>``. A GTIN
does not say where its GS1 company prefix ends; ours are issued under GS1 China's
``6901234`` (7 digits, see ``wms.demo``), so 7 is the default and a parameter. The lot is
percent-encoded where the EPC URI syntax requires it. Quantities are counts of the
product's trade items, so they carry no unit of measure (EPCIS reserves ``uom`` for
measured quantities).

Where: our locations have no GLNs yet, so ``readPoint`` (the bin, dock, truck or shelf)
and ``bizLocation`` (the warehouse or pickup point) are HTTP URIs under the product's own
base URI, e.g. ``https://wms.example.com/id/location/SH1-REC``; EPCIS accepts any URI.
Once GLNs are assigned these become ``urn:epc:id:sgln:`` identifiers.

Why: CBV 2.0 short names, which EPCIS 2.0 JSON allows: bizStep ``receiving`` (arrival
at a warehouse, and at a pickup point), ``shipping`` (loaded on a truck) and
``retail_selling`` (handed over to residents); dispositions ``in_progress``,
``in_transit``, ``sellable_accessible``, ``retail_sold``. Business transactions are the
purchase order of a receipt and the residents' order of a delivery (type ``po``).

Temperature: when readings exist for the place the units just left, the event carries a
``sensorElementList`` with the minimum, maximum and mean (°C, ``CEL``) over their stay.
The caller supplies these summaries (the cold-chain feature computes them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from wms.exports import CriticalEvent, Party
from wms.models.base import utcnow

CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
DEFAULT_PREFIX_LENGTH = 7
BIZ_STEP = {"receiving": "receiving", "shipping": "shipping", "delivery": "receiving",
            "handover": "retail_selling"}
DISPOSITION = {"receiving": "in_progress", "shipping": "in_transit",
               "delivery": "sellable_accessible", "handover": "retail_sold"}
# The EPC URI syntax allows these in a lot number as they are; everything else is escaped.
_LOT_SAFE = "!'()*+,-.:;=_"


@dataclass(frozen=True)
class TemperatureSummary:
    """What the units felt at the place they left, from its sensors' readings."""

    start: datetime
    end: datetime
    readings: int
    min_c: float
    max_c: float
    mean_c: float
    device: str | None = None


def lgtin(gtin: str, lot: str, prefix_length: int = DEFAULT_PREFIX_LENGTH) -> str:
    """The LGTIN class URN of a GTIN-14 and a lot, per the GS1 EPC Tag Data Standard."""
    gtin = gtin.zfill(14)
    if not (gtin.isdigit() and len(gtin) == 14):
        raise ValueError(f"not a GTIN: {gtin!r}")
    if not 6 <= prefix_length <= 12:
        raise ValueError("a GS1 company prefix has 6 to 12 digits")
    prefix = gtin[1:1 + prefix_length]
    item = gtin[0] + gtin[1 + prefix_length:13]
    return f"urn:epc:class:lgtin:{prefix}.{item}.{quote(lot, safe=_LOT_SAFE)}"


class Identifiers:
    """URIs of our own things under the product's base URI."""

    def __init__(self, base_uri: str) -> None:
        self.base = base_uri.rstrip("/") + "/id"

    def of(self, kind: str, code: str) -> str:
        return f"{self.base}/{kind.replace('_', '-')}/{quote(code, safe='')}"

    def party(self, party: Party) -> str:
        return self.of(party.kind, party.code or party.name)

    def event(self, move_id: int) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.of('move', str(move_id)))}"


def _offset(event: CriticalEvent) -> str:
    raw = event.local_time.strftime("%z")  # +0800
    return f"{raw[:3]}:{raw[3:]}"


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def object_event(event: CriticalEvent, ids: Identifiers, *,
                 prefix_length: int = DEFAULT_PREFIX_LENGTH,
                 temperature: TemperatureSummary | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": ids.event(event.move_id),
        "eventTime": _time(event.at),
        "eventTimeZoneOffset": _offset(event),
        "action": "OBSERVE",
        "bizStep": BIZ_STEP[event.cte],
        "disposition": DISPOSITION[event.cte],
        "quantityList": [{"epcClass": lgtin(event.gtin, event.lot_code, prefix_length),
                          "quantity": event.quantity}],
        "readPoint": {"id": ids.of("location", event.read_point)},
        "bizLocation": {"id": ids.party(event.where)},
    }
    transactions = []
    if event.reference_type == "Purchase order":
        transactions.append({"type": "po",
                             "bizTransaction": ids.of("purchase_order", event.reference_number)})
    if event.order:
        transactions.append({"type": "po", "bizTransaction": ids.of("order", event.order)})
    if transactions:
        out["bizTransactionList"] = transactions
    if event.cte in ("receiving", "shipping", "delivery"):
        out["sourceList"] = [{"type": "location", "source": ids.party(event.source)}]
        out["destinationList"] = [{"type": "location",
                                   "destination": ids.party(event.destination)}]
        if event.cte == "receiving" and event.source.kind == "supplier" and event.source.code:
            out["sourceList"].append({"type": "owning_party",
                                      "source": ids.party(event.source)})
    if temperature is not None and temperature.readings:
        report: dict[str, Any] = {"type": "Temperature", "minValue": temperature.min_c,
                                  "maxValue": temperature.max_c,
                                  "meanValue": round(temperature.mean_c, 2), "uom": "CEL"}
        meta: dict[str, Any] = {"startTime": _time(temperature.start),
                                "endTime": _time(temperature.end)}
        if temperature.device:
            meta["deviceID"] = ids.of("sensor", temperature.device)
        out["sensorElementList"] = [{"sensorMetadata": meta, "sensorReport": [report]}]
    return out


def document(events: Iterable[CriticalEvent], *, base_uri: str,
             prefix_length: int = DEFAULT_PREFIX_LENGTH,
             temperatures: Mapping[int, TemperatureSummary] | None = None,
             created_at: datetime | None = None) -> dict[str, Any]:
    """An ``EPCISDocument`` with one ObjectEvent per critical tracking event, in time order.

    ``temperatures`` maps a move id to the summary of readings its units felt before it.
    """
    ids = Identifiers(base_uri)
    temps = temperatures or {}
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created_at or utcnow()),
        "epcisBody": {"eventList": [
            object_event(e, ids, prefix_length=prefix_length, temperature=temps.get(e.move_id))
            for e in sorted(events, key=lambda e: (e.at, e.move_id))]},
    }
