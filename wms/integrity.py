"""Master-data integrity checks: the facts the rest of the system relies on.

Run as a background job (``POST /api/checks``) or from ``wms check``; each check
returns the rows that break it, so a person can fix them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from wms.db import transaction
from wms.gtin import is_valid_gtin
from wms.models import Location, LocationKind, PickupPoint, Product, Vehicle


def _bad_gtins(session: Session) -> list[str]:
    return [
        f"product {sku}: GTIN {gtin} has a wrong check digit"
        for sku, gtin in session.execute(select(Product.sku, Product.gtin))
        if not is_valid_gtin(gtin)
    ]


def _owned_locations(session: Session) -> list[str]:
    problems = []
    for model, kind, label in (
        (PickupPoint, LocationKind.PICKUP_POINT, "pickup point"),
        (Vehicle, LocationKind.VEHICLE, "vehicle"),
    ):
        rows = session.execute(
            select(model.code, Location.kind, Location.warehouse_id, model.warehouse_id).join(
                Location, Location.id == model.location_id
            )
        )
        for code, loc_kind, loc_wh, own_wh in rows:
            if loc_kind != kind:
                problems.append(f"{label} {code}: its location is a {loc_kind}, not a {kind}")
            if loc_wh != own_wh:
                problems.append(f"{label} {code}: its location belongs to another warehouse")
    return problems


def _tree(session: Session) -> list[str]:
    parent = aliased(Location)
    rows = session.execute(
        select(Location.code, parent.code).join(parent, parent.id == Location.parent_id)
        .where(parent.warehouse_id != Location.warehouse_id)
    )
    return [f"location {c}: parent {p} is in another warehouse" for c, p in rows]


CHECKS: dict[str, Callable[[Session], list[str]]] = {
    "gtin check digits": _bad_gtins,
    "pickup points and vehicles own matching locations": _owned_locations,
    "location trees stay within one warehouse": _tree,
}


def run_checks(session: Session, progress: Callable[[float, str], None] | None = None
               ) -> dict[str, Any]:
    return _run(lambda check: check(session), progress)


def check_job(factory: sessionmaker[Session], params: dict[str, Any], progress) -> dict[str, Any]:
    """Each check in a transaction of its own, progress told between them: on SQLite every
    transaction holds the write lock, so the job's row cannot be written from inside one."""
    def in_its_own_transaction(check):
        with transaction(factory) as session:
            return check(session)

    return _run(in_its_own_transaction, progress)


def _run(apply, progress) -> dict[str, Any]:
    results: dict[str, list[str]] = {}
    for i, (name, check) in enumerate(CHECKS.items()):
        if progress:
            progress(100.0 * i / len(CHECKS), f"checking {name}")
        results[name] = apply(check)
    return {"ok": not any(results.values()), "problems": results}
