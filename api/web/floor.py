"""Pages for the warehouse floor: the pick and sorting list of a delivery day, and the
loading dock (what goes on which truck, in which compartment, loaded or not).

Both render what is there when they open; every action ("picked", "load") is a call to
the JSON API from the page's JavaScript, so the API's rules and errors apply.
"""

from __future__ import annotations

from collections import defaultdict

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import policy
from api.runtime import db
from api.web.views import _date_arg, bp, local_today, page, visible_warehouses
from wms import picking, scope
from wms.models import CustomerOrder, OrderStatus, User, Warehouse


def chosen_warehouse(user: User) -> Warehouse:
    """The warehouse the page shows: the one asked for if the user may see it, else their
    own (or the first they may see)."""
    warehouses = visible_warehouses(user)
    if not warehouses:
        abort(404, description="no warehouse is visible to you")
    code = request.args.get("warehouse") or (user.warehouse.code if user.warehouse else "")
    return next((w for w in warehouses if w.code == code), warehouses[0])


@bp.get("/pick-lists")
@policy.rule("page.picking")
@page
def pick_lists(user: User):
    warehouse = chosen_warehouse(user)
    day = _date_arg(request.args.get("date")) or local_today(warehouse=warehouse)
    zones = picking.pick_list(db(), warehouse.id, day)
    # Zone → bin → lines: pickers walk a zone bin by bin.
    by_bin = {zone: _group(lines, lambda ln: ln.bin) for zone, lines in zones.items()}
    lines = [ln for zone_lines in zones.values() for ln in zone_lines]
    # Sorting: the picked goods are gathered per pickup point, order by order.
    sorting = _group(sorted(lines, key=lambda ln: (ln.pickup_point, ln.order, ln.sku)),
                     lambda ln: ln.pickup_point)
    orders = db().scalars(
        select(CustomerOrder).where(CustomerOrder.warehouse_id == warehouse.id,
                                    CustomerOrder.delivery_date == day,
                                    CustomerOrder.status != OrderStatus.CANCELLED)
        .options(selectinload(CustomerOrder.lines), selectinload(CustomerOrder.pickup_point))
        .order_by(CustomerOrder.external_ref)).all()
    to_pick = defaultdict(int)
    for ln in lines:
        to_pick[ln.order] += ln.quantity
    return render_template("pick_lists.html", user=user, title="Pick list",
                           warehouses=visible_warehouses(user), warehouse=warehouse, day=day,
                           zones=by_bin, sorting=sorting, orders=orders, to_pick=to_pick,
                           units=sum(ln.quantity for ln in lines))


def _group(items, key) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


@bp.get("/loading")
@policy.rule("page.picking")
@page
def loading(user: User):
    from routing.dispatch import manifests

    warehouse = chosen_warehouse(user)
    day = _date_arg(request.args.get("date")) or local_today(warehouse=warehouse)
    ids = {warehouse.id}
    allowed = scope.visible_warehouse_ids(user)
    if allowed is not None:
        ids &= allowed
    routes = manifests.published_routes(db(), day, warehouse_ids=ids)
    return render_template("loading.html", user=user, title="Loading dock",
                           warehouses=visible_warehouses(user), warehouse=warehouse, day=day,
                           routes=routes)
