"""Pages for the warehouse floor: the pick and sorting list of a delivery day, and the
loading dock (what goes on which truck, in which compartment, loaded or not).

Both render what is there when they open; every action ("picked", "load") is a call to
the JSON API from the page's JavaScript, so the API's rules and errors apply.
"""

from __future__ import annotations

from collections import defaultdict

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import policy
from api.runtime import db
from api.web.views import _date_arg, bp, local_today, page, visible_warehouses
from wms import picking, scope
from wms.models import CustomerOrder, OrderStatus, User, Warehouse


class NotYours(Exception):
    """The page names a warehouse the user may not see (or one that does not exist)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def chosen_warehouse(user: User) -> Warehouse:
    """The warehouse the page shows: the one asked for, else the user's own (or the first
    they may see). Asking for another warehouse's list is refused, never answered with the
    user's own list under the other's name."""
    warehouses = visible_warehouses(user)
    if not warehouses:
        abort(404, description="no warehouse is visible to you")
    asked = (request.args.get("warehouse") or "").strip()
    if not asked:
        own = user.warehouse.code if user.warehouse else ""
        return next((w for w in warehouses if w.code == own), warehouses[0])
    found = next((w for w in warehouses if w.code == asked), None)
    if found is not None:
        return found
    if db().scalar(select(Warehouse.id).where(Warehouse.code == asked)) is None:
        raise NotYours(404, _("There is no warehouse %(code)s.", code=asked))
    raise NotYours(403, _("Warehouse %(code)s is not yours: you see the lists of your own "
                          "warehouse only.", code=asked))


@bp.errorhandler(NotYours)
def _not_yours(exc: NotYours):
    from flask import g, url_for

    return render_template("base.html", user=g.user, title=_("Not your warehouse")
                           if exc.status == 403 else _("No such warehouse"),
                           message=exc.message, link=url_for(request.endpoint)), exc.status


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
    return render_template("pick_lists.html", user=user, title=_("Pick list"),
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
    return render_template("loading.html", user=user, title=_("Loading dock"),
                           warehouses=visible_warehouses(user), warehouse=warehouse, day=day,
                           routes=routes)
