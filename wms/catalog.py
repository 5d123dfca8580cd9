"""Product catalogue maintenance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.models import KineticsModel, Product

_KINETICS_FIELD = {
    KineticsModel.Q10: "q10",
    KineticsModel.ARRHENIUS: "activation_energy_kj",
    KineticsModel.SQRT: "tmin_c",
}


def create_product(session: Session, data: dict[str, Any]) -> Product:
    model = KineticsModel(data.get("kinetics_model", KineticsModel.Q10))
    needed = _KINETICS_FIELD[model]
    if data.get(needed) is None:
        raise ValidationFailed({needed: [N_("required by the {model} kinetics model",
                                              model=model)]})
    clash = session.scalar(
        select(Product).where(or_(Product.sku == data["sku"], Product.gtin == data["gtin"]))
    )
    if clash is not None:
        field = "sku" if clash.sku == data["sku"] else "gtin"
        raise Conflict(N_("{field} {value} is already used by product {sku}", field=field,
                          value=data[field], sku=clash.sku), field=field)
    product = Product(**data)
    session.add(product)
    session.flush()
    return product
