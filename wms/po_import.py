"""Purchase orders from a CSV file: one row per order line, rows of one ``ref`` make one
order. All or nothing: every error is reported by the file's line number and, if there is
any, no order is stored."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from wms import purchasing
from wms.errors import ValidationFailed
from wms.i18n import N_
from wms.models import PurchaseOrder

REQUIRED = ("ref", "supplier", "warehouse", "expected_date", "sku", "quantity", "unit_price")
OPTIONAL = ("window_start", "window_end", "currency", "origin", "harvest_date",
            "production_date", "certifications", "note")
HEADER_FIELDS = ("supplier", "warehouse", "expected_date", "window_start", "window_end")
MAX_ROWS = 10_000


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str) -> time | None:
    return time.fromisoformat(value) if value else None


def _row(raw: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    out: dict[str, Any] = {k: (raw.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
    for name in REQUIRED:
        if not out[name]:
            problems.append(N_("{column} is empty", column=name))
    try:
        out["quantity"] = int(out["quantity"]) if out["quantity"] else None
        if out["quantity"] is not None and not 0 < out["quantity"] <= 10_000_000:
            problems.append(N_("quantity {value} must be between 1 and 10000000",
                                       value=out["quantity"]))
    except ValueError:
        problems.append(N_("quantity {value} is not a whole number",
                           value=repr(out["quantity"])))
    try:
        out["unit_price"] = Decimal(out["unit_price"]) if out["unit_price"] else None
        if out["unit_price"] is not None and not (0 <= out["unit_price"] <= 10**7):
            problems.append(N_("unit_price {value} must be between 0 and 10000000",
                                       value=out["unit_price"]))
    except InvalidOperation:
        problems.append(N_("unit_price {value} is not a number",
                           value=repr(out["unit_price"])))
    for name in ("expected_date", "harvest_date", "production_date"):
        try:
            out[name] = _date(out[name])
        except ValueError:
            problems.append(N_("{column} {value} is not a date (YYYY-MM-DD)", column=name,
                               value=repr(out[name])))
    for name in ("window_start", "window_end"):
        try:
            out[name] = _time(out[name])
        except ValueError:
            problems.append(N_("{column} {value} is not a time (HH:MM)", column=name,
                               value=repr(out[name])))
    if out["currency"] and not re.fullmatch(r"[A-Z]{3}", out["currency"]):
        problems.append(N_("currency {value} is not an ISO 4217 code",
                           value=repr(out["currency"])))
    if len(out["ref"]) > 40:
        problems.append(N_("ref is longer than 40 characters"))
    return out, problems


def import_csv(session: Session, text: str, *, actor_id: int | None) -> list[PurchaseOrder]:
    """Store the file's orders as drafts in the caller's transaction, or raise
    ``ValidationFailed`` with every error keyed ``line N``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed({"line 1": [N_("the header lacks {columns}",
                                              columns=", ".join(missing))]})
    errors: dict[str, list[str]] = {}
    orders: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for raw in reader:
        line = reader.line_num
        if line > MAX_ROWS + 1:
            raise ValidationFailed({f"line {line}": [N_("at most {rows} rows per file",
                                                        rows=MAX_ROWS)]})
        row, problems = _row(raw)
        if problems:
            errors[f"line {line}"] = problems
            continue
        rows = orders.setdefault(row["ref"], [])
        if rows:
            first_line, first = rows[0]
            differ = [f for f in HEADER_FIELDS if row[f] and row[f] != first[f]]
            if differ:
                errors[f"line {line}"] = [
                    N_("{columns} differ from line {first} of order {ref}",
                       columns=", ".join(differ), first=first_line, ref=row["ref"])]
                continue
        rows.append((line, row))
    if not orders and not errors:
        raise ValidationFailed({"line 2": [N_("the file has no purchase order lines")]})
    created: list[PurchaseOrder] = []
    for ref, rows in orders.items():
        head = rows[0][1]
        data = {"ref": ref, "supplier": head["supplier"], "warehouse": head["warehouse"],
                "expected_date": head["expected_date"], "window_start": head["window_start"],
                "window_end": head["window_end"], "note": head["note"],
                "lines": [{k: r[k] for k in ("sku", "quantity", "unit_price", "currency",
                                             "origin", "harvest_date", "production_date",
                                             "certifications")} for _, r in rows]}
        try:
            with session.begin_nested():
                created.append(purchasing.create(session, data, actor_id=actor_id))
        except ValidationFailed as exc:
            for key, messages in exc.errors.items():
                found = re.match(r"lines\[(\d+)\]\.(\w+)", key)
                line = rows[int(found.group(1))][0] if found else rows[0][0]
                errors.setdefault(f"line {line}", []).extend(messages)
    if errors:
        raise ValidationFailed(dict(sorted(errors.items(), key=lambda kv: int(kv[0][5:]))))
    return created
