"""Orders from a CSV file: one row per order line, all of them placed or none.

The header is ``external_ref,pickup_point,delivery_date,sku,quantity`` (in any column
order); the rows of one order share its reference, pickup point and date. Every error
names the file line it is on (``line 7``), the header being line 1, so a dispatcher can
fix the file and send it again; nothing is placed while any line is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Conflict, Forbidden, ValidationFailed
from wms.i18n import N_
from wms.models import CustomerOrder
from wms.orders import place_order

HEADER = ("external_ref", "pickup_point", "delivery_date", "sku", "quantity")
MAX_ROWS = 20_000
MAX_LINES_PER_ORDER = 500
MAX_QUANTITY = 1_000_000


@dataclass
class _Order:
    ref: str
    pickup_point: str
    delivery_date: date
    first_line: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Spreadsheets saved on Chinese Windows write GB 18030 unless told otherwise.
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationFailed({"file": [N_("the file is neither UTF-8 nor GB 18030 text")]}
                                   ) from exc


def parse(data: bytes) -> tuple[list[_Order], dict[str, list[str]]]:
    """The file's orders in the order they first appear, and the errors of its bad rows
    by line. A file that cannot be read as orders at all (no header, a wrong one) raises."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ValidationFailed({"file": [N_("the file is empty; its first line must be the "
                                            "header {header}", header=",".join(HEADER))]})
    names = [h.strip().lower() for h in header]
    missing = [h for h in HEADER if h not in names]
    unknown = [h for h in names if h not in HEADER]
    if missing or unknown or len(set(names)) != len(names):
        why = [N_("missing {columns}", columns=", ".join(missing))] if missing else []
        why += [N_("unknown {columns}", columns=", ".join(unknown))] if unknown else []
        why += [N_("a column is named twice")] if len(set(names)) != len(names) else []
        reasons = why[0]
        for more in why[1:]:
            reasons = N_("{first}; {then}", first=reasons, then=more)
        raise ValidationFailed({"line 1": [N_("the header must be {header} ({reasons})",
                                              header=",".join(HEADER), reasons=reasons)]})
    col = {h: names.index(h) for h in HEADER}
    errors: dict[str, list[str]] = {}
    orders: dict[str, _Order] = {}
    rows = 0
    for row in reader:
        n = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise ValidationFailed({f"line {n}": [N_("a file may hold at most {rows} rows; "
                                                     "split it", rows=MAX_ROWS)]})
        problems = _row_problems(row, col, len(names))
        if problems:
            errors[f"line {n}"] = problems
            continue
        ref, point, day, sku, qty = _values(row, col)
        order = orders.get(ref)
        if order is None:
            order = orders[ref] = _Order(ref, point, day, n)
        elif (point, day) != (order.pickup_point, order.delivery_date):
            errors[f"line {n}"] = [
                N_("order {ref} is for {point} on {date} on line {line}; every row of an "
                   "order has the same pickup point and date", ref=ref,
                   point=order.pickup_point, date=order.delivery_date,
                   line=order.first_line)]
            continue
        earlier = next((ln for ln, item in zip(order.line_numbers, order.lines, strict=True)
                        if item["sku"] == sku), None)
        if earlier is not None:
            errors[f"line {n}"] = [N_("{sku} is already on line {earlier} for order "
                                      "{ref}; put the whole quantity on one row",
                                      sku=sku, earlier=earlier, ref=ref)]
            continue
        if len(order.lines) >= MAX_LINES_PER_ORDER:
            errors[f"line {n}"] = [N_("order {ref} has more than {most} lines", ref=ref,
                                      most=MAX_LINES_PER_ORDER)]
            continue
        order.lines.append({"sku": sku, "quantity": qty})
        order.line_numbers.append(n)
    if not orders and not errors:
        raise ValidationFailed({"file": [N_("the file has a header but no order rows")]})
    return list(orders.values()), errors


def _row_problems(row: list[str], col: dict[str, int], width: int) -> list[str]:
    if len(row) != width:
        return [N_("{fields} fields where the header has {width}", fields=len(row),
                   width=width)]
    cells = {h: row[i].strip() for h, i in col.items()}
    out = [N_("{column} is empty", column=h) for h in HEADER if not cells[h]]
    if len(cells["external_ref"]) > 64:
        out.append(N_("external_ref is longer than 64 characters"))
    if len(cells["sku"]) > 32:
        out.append(N_("sku is longer than 32 characters"))
    if cells["delivery_date"]:
        try:
            date.fromisoformat(cells["delivery_date"])
        except ValueError:
            out.append(N_("delivery_date {value} is not a date like 2026-12-01",
                          value=repr(cells["delivery_date"])))
    if cells["quantity"]:
        if not cells["quantity"].isdigit():
            out.append(N_("quantity {value} is not a whole number of units",
                          value=repr(cells["quantity"])))
        elif not 1 <= int(cells["quantity"]) <= MAX_QUANTITY:
            out.append(N_("quantity must be between 1 and {most}", most=MAX_QUANTITY))
    return out


def _values(row: list[str], col: dict[str, int]) -> tuple[str, str, date, str, int]:
    get = {h: row[i].strip() for h, i in col.items()}
    return (get["external_ref"], get["pickup_point"], date.fromisoformat(get["delivery_date"]),
            get["sku"], int(get["quantity"]))


def import_orders(session: Session, data: bytes, *, actor_id: int | None,
                  warehouse_ids: set[int] | None,
                  moved: list[tuple[int, CustomerOrder]] | None = None,
                  enforce_cutoff: bool = False) -> list[CustomerOrder]:
    """Place every order of the file in the caller's transaction, or raise naming the lines
    that are wrong (the caller rolls back). Orders that missed their date's cut-off are
    added to ``moved`` with the file line they start on."""
    orders, errors = parse(data)
    refs = [o.ref for o in orders]
    existing = set(session.scalars(select(CustomerOrder.external_ref)
                                   .where(CustomerOrder.external_ref.in_(refs))))
    for o in orders:
        if o.ref in existing:
            errors.setdefault(f"line {o.first_line}", []).append(
                N_("order {ref} already exists", ref=o.ref))
    placed = []
    for order in orders:
        if order.ref in existing:
            continue
        # place_order checks everything before it adds a row, so a refused order leaves
        # nothing behind, and the later orders are still checked.
        try:
            placed.append(place_order(session, {
                "external_ref": order.ref, "pickup_point": order.pickup_point,
                "delivery_date": order.delivery_date, "lines": order.lines},
                actor_id=actor_id, warehouse_ids=warehouse_ids, enforce_cutoff=enforce_cutoff))
            if placed[-1].moved_by_cutoff and moved is not None:
                moved.append((order.first_line, placed[-1]))
        except ValidationFailed as exc:
            for key, messages in exc.errors.items():
                errors.setdefault(f"line {_line_of(order, key)}", []).extend(messages)
        except Forbidden as exc:
            raise Forbidden(N_("line {line}: {problem}; nothing was imported",
                               line=order.first_line, problem=exc.detail), **exc.extra) from exc
        except Conflict as exc:
            errors.setdefault(f"line {order.first_line}", []).append(exc.detail)
    if errors:
        raise _refused(dict(sorted(errors.items(), key=lambda kv: _number(kv[0]))))
    return placed


def _refused(errors: dict[str, list[str]]) -> ValidationFailed:
    many = len(errors) != 1
    detail = (N_("nothing was imported: {count} lines of the file are wrong", count=len(errors))
              if many else
              N_("nothing was imported: {count} line of the file is wrong", count=len(errors)))
    return ValidationFailed(errors, detail=detail)


def _line_of(order: _Order, key: str) -> int:
    """The file line of a field ``place_order`` names: ``lines[2].sku`` is the third row."""
    if key.startswith("lines[") and "]" in key:
        index = key[len("lines["):key.index("]")]
        if index.isdigit() and int(index) < len(order.line_numbers):
            return order.line_numbers[int(index)]
    return order.first_line


def _number(key: str) -> int:
    tail = key.rpartition(" ")[2]
    return int(tail) if tail.isdigit() else 0
