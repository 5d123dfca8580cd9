"""Critical tracking events as a GS1 EPCIS 2.0 JSON-LD document.

Every move event is an ``ObjectEvent`` about a quantity of one lot, and each repack one
``TransformationEvent`` (its input lots consumed, its output lots produced); the
document validates against GS1's EPCIS 2.0 JSON schema (shipped in ``data/epcis``).

Lot master data (ILMD: expiry, harvest date, country of origin, the farm) travels where
EPCIS allows it, on events that bring a lot into view: the receipt of a lot from its
supplier (action ``ADD``: this is where our records of the lot begin) and the outputs of
a repack. Holds, recalls, releases and scrapping are ``OBSERVE`` events with CBV
dispositions: ``non_conformant`` (held, quarantined), ``recalled``, ``conformant``
(released after inspection), ``destroyed``.

What: class-level identifiers, LGTIN URNs
``urn:epc:class:lgtin:<company prefix>.<indicator digit><item reference>.<lot>``. A GTIN
does not say where its GS1 company prefix ends; ours are issued under GS1 China's
``6901234`` (7 digits, see ``wms.demo``), so 7 is the default and a parameter. The lot is
percent-encoded where the EPC URI syntax requires it. Quantities are counts of the
product's trade items, so they carry no unit of measure (EPCIS reserves ``uom`` for
measured quantities).

Where: a warehouse or location with a GLN (``warehouse.gln``, ``location.gln``) is named
by its SGLN, ``urn:epc:id:sgln:<company prefix>.<location reference>.<extension>``; a bin
without a GLN of its own takes its warehouse's with the bin code as extension. Places
without a GLN are HTTP URIs under the product's own base URI, e.g.
``https://wms.example.com/id/location/SH1-REC``; EPCIS accepts any URI.

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

import heapq
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from wms.exports import CriticalEvent, Party
from wms.models.base import utcnow

CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
DEFAULT_PREFIX_LENGTH = 7
BIZ_STEP = {"receiving": "receiving", "shipping": "shipping", "delivery": "receiving",
            "handover": "retail_selling", "hold": "holding", "recall": "holding",
            "release": "inspecting", "destroy": "destroying"}
DISPOSITION = {"receiving": "in_progress", "shipping": "in_transit",
               "delivery": "sellable_accessible", "handover": "retail_sold",
               "hold": "non_conformant", "recall": "recalled", "release": "conformant",
               "destroy": "destroyed"}
TRANSFORMING = frozenset({"transformation_input", "transformation_output", "initial_packing"})
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


def sgln(gln: str, extension: str = "0", prefix_length: int = DEFAULT_PREFIX_LENGTH) -> str:
    """The SGLN URN of a GLN-13 and an extension ("0": the place the GLN itself names)."""
    if not (gln.isdigit() and len(gln) == 13):
        raise ValueError(f"not a GLN: {gln!r}")
    if not 6 <= prefix_length <= 12:
        raise ValueError("a GS1 company prefix has 6 to 12 digits")
    return (f"urn:epc:id:sgln:{gln[:prefix_length]}.{gln[prefix_length:12]}."
            f"{quote(extension, safe=_LOT_SAFE)}")


class Identifiers:
    """URIs of our own things under the product's base URI, SGLNs where GLNs are known."""

    def __init__(self, base_uri: str, prefix_length: int = DEFAULT_PREFIX_LENGTH) -> None:
        self.base = base_uri.rstrip("/") + "/id"
        self.prefix_length = prefix_length

    def place(self, party: Party) -> str:
        if party.gln:
            return sgln(party.gln, "0", self.prefix_length)
        return self.party(party)

    def read_point(self, event: CriticalEvent) -> str:
        if event.read_point_gln:
            return sgln(event.read_point_gln, event.read_point_extension, self.prefix_length)
        return self.of("location", event.read_point)

    def of(self, kind: str, code: str) -> str:
        return f"{self.base}/{kind.replace('_', '-')}/{quote(code, safe='')}"

    def party(self, party: Party) -> str:
        return self.of(party.kind, party.code or party.name)

    def event(self, move_id: int, kind: str = "move") -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.of(kind, str(move_id)))}"


def _offset(event: CriticalEvent) -> str:
    raw = event.local_time.strftime("%z")  # +0800
    return f"{raw[:3]}:{raw[3:]}"


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ilmd(event: CriticalEvent, ids: Identifiers) -> dict[str, Any]:
    """The lot's master data in CBV terms (``cbvmda:``), as far as it is known."""
    out: dict[str, Any] = {"cbvmda:lotNumber": event.lot_code}
    if event.expiry_date is not None:
        out["cbvmda:itemExpirationDate"] = event.expiry_date.isoformat()
    if event.harvest_date is not None:
        out["cbvmda:harvestStartDate"] = event.harvest_date.isoformat()
    if event.production_date is not None:
        out["cbvmda:productionDate"] = event.production_date.isoformat()
    if event.country_of_origin:
        out["cbvmda:countryOfOrigin"] = event.country_of_origin
    if event.farm is not None:
        out["cbvmda:farmList"] = [{"cbvmda:farmID": ids.party(event.farm),
                                   "cbvmda:farmName": event.farm.description}]
    return out


def object_event(event: CriticalEvent, ids: Identifiers, *,
                 prefix_length: int = DEFAULT_PREFIX_LENGTH,
                 temperature: TemperatureSummary | None = None) -> dict[str, Any]:
    adds = event.cte == "receiving"
    out: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": ids.event(event.move_id),
        "eventTime": _time(event.at),
        "eventTimeZoneOffset": _offset(event),
        "action": "ADD" if adds else "OBSERVE",
        "bizStep": BIZ_STEP[event.cte],
        "disposition": DISPOSITION[event.cte],
        "quantityList": [{"epcClass": lgtin(event.gtin, event.lot_code, prefix_length),
                          "quantity": event.quantity}],
        "readPoint": {"id": ids.read_point(event)},
        "bizLocation": {"id": ids.place(event.where)},
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
    if adds:
        out["ilmd"] = ilmd(event, ids)
    return out


def transformation_event(events: list[CriticalEvent], ids: Identifiers, *,
                         prefix_length: int = DEFAULT_PREFIX_LENGTH) -> dict[str, Any]:
    """One repack: the input lots consumed and the output lots produced, with the
    outputs' lot master data (of the output expiring first, when they differ)."""
    inputs = [e for e in events if e.cte == "transformation_input"]
    outputs = [e for e in events if e.cte != "transformation_input"]
    last = max(events, key=lambda e: (e.at, e.move_id))
    packing = any(e.cte == "initial_packing" for e in outputs)

    def quantities(mine: list[CriticalEvent]) -> list[dict[str, Any]]:
        return [{"epcClass": lgtin(e.gtin, e.lot_code, prefix_length), "quantity": e.quantity}
                for e in mine]

    out: dict[str, Any] = {
        "type": "TransformationEvent",
        "eventID": ids.event(last.repack_id or last.move_id, "repack"),
        "eventTime": _time(last.at),
        "eventTimeZoneOffset": _offset(last),
        "transformationID": ids.of("repack", last.repack_ref or str(last.repack_id)),
        "bizStep": "packing" if packing else "repackaging",
        "disposition": "in_progress",
        "readPoint": {"id": ids.read_point(last)},
        "bizLocation": {"id": ids.place(last.where)},
    }
    if inputs:
        out["inputQuantityList"] = quantities(inputs)
    if outputs:
        out["outputQuantityList"] = quantities(outputs)
        first = min(outputs, key=lambda e: (e.expiry_date or date.max, e.move_id))
        out["ilmd"] = ilmd(first, ids)
    return out


def document(events: Iterable[CriticalEvent], *, base_uri: str,
             prefix_length: int = DEFAULT_PREFIX_LENGTH,
             temperatures: Mapping[int, TemperatureSummary] | None = None,
             created_at: datetime | None = None) -> dict[str, Any]:
    """An ``EPCISDocument`` with one ObjectEvent per critical tracking event, in time order.

    ``temperatures`` maps a move id to the summary of readings its units felt before it.
    """
    ids = Identifiers(base_uri, prefix_length)
    temps = temperatures or {}
    repacks: dict[int, list[CriticalEvent]] = {}
    listed: list[tuple[datetime, int, dict[str, Any]]] = []
    for e in sorted(events, key=lambda e: (e.at, e.move_id)):
        if e.cte in TRANSFORMING and e.repack_id is not None:
            repacks.setdefault(e.repack_id, []).append(e)
            continue
        listed.append((e.at, e.move_id, object_event(
            e, ids, prefix_length=prefix_length, temperature=temps.get(e.move_id))))
    for mine in repacks.values():
        last = max(mine, key=lambda e: (e.at, e.move_id))
        listed.append((last.at, last.move_id,
                       transformation_event(mine, ids, prefix_length=prefix_length)))
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created_at or utcnow()),
        "epcisBody": {"eventList": [ev for _, _, ev in sorted(listed, key=lambda x: x[:2])]},
    }


def stream_document(events: Iterable[CriticalEvent], *, base_uri: str,
                    prefix_length: int = DEFAULT_PREFIX_LENGTH,
                    temperature: Callable[[CriticalEvent], TemperatureSummary | None],
                    repack: Callable[[int], list[CriticalEvent]],
                    created_at: datetime | None = None) -> Iterator[str]:
    """The document ``document`` makes, as JSON text in pieces, from events in time order.

    ``temperature`` is called with every event in turn (it may keep what it needs of the
    ones before) and gives the summary for that event's units. ``repack`` gives every event
    of a repack in the export: its TransformationEvent takes the place of the repack's
    last event, so it waits in a heap until the stream passes that place.
    """
    ids = Identifiers(base_uri, prefix_length)
    head = json.dumps({"@context": [CONTEXT], "type": "EPCISDocument",
                       "schemaVersion": "2.0", "creationDate": _time(created_at or utcnow()),
                       "epcisBody": {"eventList": []}})
    split = head.index("[]", head.index('"eventList"')) + 1
    yield head[:split]
    waiting: list[tuple[tuple[datetime, int], dict[str, Any]]] = []
    seen: set[int] = set()
    first = True

    def out(event: dict[str, Any]) -> str:
        nonlocal first
        text = ("" if first else ", ") + json.dumps(event)
        first = False
        return text

    for e in events:
        key = (e.at, e.move_id)
        while waiting and waiting[0][0] < key:
            yield out(heapq.heappop(waiting)[1])
        felt = temperature(e)
        if e.cte in TRANSFORMING and e.repack_id is not None:
            if e.repack_id not in seen:
                seen.add(e.repack_id)
                mine = repack(e.repack_id)
                last = max(mine, key=lambda x: (x.at, x.move_id))
                heapq.heappush(waiting, ((last.at, last.move_id), transformation_event(
                    mine, ids, prefix_length=prefix_length)))
            continue
        yield out(object_event(e, ids, prefix_length=prefix_length, temperature=felt))
    while waiting:
        yield out(heapq.heappop(waiting)[1])
    yield head[split:]
