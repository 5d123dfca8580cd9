"""Critical tracking events as an electronic sortable spreadsheet (CSV), after the FDA's
Food Traceability Rule (FSMA 204, 21 CFR part 1 subpart S).

One row per event, one value per cell, dates as ISO ``YYYY-MM-DD`` so that any
spreadsheet sorts and filters them. The columns are the key data elements the rule asks
for receiving (§ 1.1345) and shipping (§ 1.1340): traceability lot code and its source,
product description, quantity and unit of measure, the location of the event, the
immediate previous source and the immediate subsequent recipient, the date, and the
reference document type and number; then what helps a recall (harvest date, origin
country, vehicle, route, who recorded it).

A repack is a transformation (§ 1.1350): one row per input lot consumed ("Transformation
(input)", with its own lot code and source) and one per new lot made ("Transformation
(output)", whose lot code source is our warehouse); its reference document is the repack
record. Lots we pack for the first time are "Initial Packing" (§ 1.1330). Holds, releases
and scrapping are not critical tracking events and stay out. Countries are ISO 3166 names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from wms import csv_safety
from wms.exports import FSMA_CTES, CriticalEvent

COLUMNS = (
    "Traceability Lot Code",
    "Traceability Lot Code Source Location Description",
    "Product Description",
    "GTIN",
    "Quantity",
    "Unit of Measure",
    "Critical Tracking Event",
    "Event Date",
    "Event Time",
    "Location Description",
    "Immediate Previous Source Location Description",
    "Immediate Subsequent Recipient Location Description",
    "Reference Document Type",
    "Reference Document Number",
    "Harvest Date",
    "Production Date",
    "Expiry Date",
    "Country of Origin",
    "Vehicle",
    "Route",
    "Recorded By",
    "Event ID",
)
CTE_NAMES = {"receiving": "Receiving", "shipping": "Shipping", "delivery": "Receiving",
             "handover": "Sale to consumer", "transformation_input": "Transformation (input)",
             "transformation_output": "Transformation (output)",
             "initial_packing": "Initial Packing"}


def row(event: CriticalEvent) -> list[str]:
    """The event's line; names typed by people cannot run as formulas (``csv_safety``)."""
    local = event.local_time
    return csv_safety.row([
        event.lot_code, event.tlc_source.description, event.product, event.gtin,
        str(event.quantity), event.unit,
        # Delivery to a pickup point is that point receiving the food.
        CTE_NAMES[event.cte] + (" (pickup point)" if event.cte == "delivery" else ""),
        local.date().isoformat(), local.strftime("%H:%M:%S%z"),
        event.where.description, event.source.description, event.destination.description,
        event.reference_type, event.reference_number,
        _day(event.harvest_date), _day(event.production_date), _day(event.expiry_date),
        event.country_name, event.vehicle or "",
        "" if event.route_id is None else str(event.route_id), event.actor or "",
        str(event.move_id),
    ])


def to_csv(events: Iterable[CriticalEvent]) -> str:
    """The spreadsheet, sorted by lot code, then time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    kept = (e for e in events if e.cte in FSMA_CTES)
    for event in sorted(kept, key=lambda e: (e.lot_code, e.sku, e.at, e.move_id)):
        writer.writerow(row(event))
    return out.getvalue()


def stream_csv(events: Iterable[CriticalEvent], rows_per_chunk: int = 500) -> Iterator[str]:
    """The same spreadsheet as ``to_csv``, in pieces, from events already in its order
    (``wms.exports.stream_events(..., by_lot=True)``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    written = 0
    for event in events:
        if event.cte not in FSMA_CTES:
            continue
        writer.writerow(row(event))
        written += 1
        if written % rows_per_chunk == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _day(value) -> str:
    return value.isoformat() if value else ""
