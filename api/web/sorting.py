"""The printable crate labels of a delivery day: one label per crate, for the sorting
area (pickup point, temperature class, crate n of m, the orders inside)."""

from __future__ import annotations

from flask import render_template, request

from api import policy
from api.runtime import db
from api.web.floor import chosen_warehouse
from api.web.views import _date_arg, bp, local_today, page
from wms import sorting
from wms.models import User


@bp.get("/sorting-labels")
@policy.rule("page.picking")
@page
def sorting_labels(user: User):
    warehouse = chosen_warehouse(user)
    day = _date_arg(request.args.get("date")) or local_today(warehouse=warehouse)
    groups = sorting.sorting_list(db(), warehouse.id, day)
    return render_template("sorting_labels.html", user=user, warehouse=warehouse, day=day,
                           groups=groups, crates=sum(len(g.crates) for g in groups),
                           points=len({g.pickup_point for g in groups}))
