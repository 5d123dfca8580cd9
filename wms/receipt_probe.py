"""Probe temperatures at receipt: which goods arrive too warm to be put away.

GB 31605-2020 asks for the core temperature of every delivery to be measured and
recorded, and warm goods kept apart. The limits per temperature class (the class's
upper bound plus a measuring tolerance) and what happens to warm goods come from the
``receiving`` section of the alarm rules; this module only judges a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.models import Location, LocationKind, Lot, LotStatus, Product, ReceiptProbe, StockMove
from wms.stock import hold_lot, sibling

WARM_GOODS = ("quarantine", "refuse")


@dataclass(frozen=True)
class ProbeLimits:
    # Highest accepted probe temperature per temperature class, tolerance included.
    max_c: dict[str, float] = field(default_factory=dict)
    warm_goods: str = "quarantine"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ProbeLimits:
        mode = str(raw.get("warm_goods", "quarantine"))
        if mode not in WARM_GOODS:
            raise ValueError(f"receiving.warm_goods must be one of {WARM_GOODS}, not {mode!r}")
        limits = {name: float(spec["max_c"]) + float(spec.get("tolerance_c", 0.0))
                  for name, spec in (raw.get("classes") or {}).items()}
        return cls(limits, mode)

    def limit(self, temp_class: str) -> float | None:
        return self.max_c.get(str(temp_class))


@dataclass(frozen=True)
class ProbeVerdict:
    probe_temp_c: float
    limit_c: float | None
    warm: bool
    temp_class: str

    @property
    def reason(self) -> str:
        return N_("probe {temp} °C at receipt, above the {limit} °C allowed for {temp_class} "
                  "goods", temp=f"{self.probe_temp_c:.1f}", limit=f"{self.limit_c:.1f}",
                  temp_class=self.temp_class)


# A core probe reads between these; anything else is a typing or unit mistake.
PLAUSIBLE_C = (-60.0, 60.0)


def judge(limits: ProbeLimits, temp_class: str, probe_temp_c: float) -> ProbeVerdict:
    low, high = PLAUSIBLE_C
    if not low <= probe_temp_c <= high:
        raise ValidationFailed({"probe_temp_c": [
            N_("{temp} °C is not a probe temperature (between {low} and {high} °C)",
               temp=probe_temp_c, low=f"{low:g}", high=f"{high:g}")]})
    limit = limits.limit(temp_class)
    return ProbeVerdict(probe_temp_c, limit, limit is not None and probe_temp_c > limit,
                        str(temp_class))


def quarantine_for(session: Session, dock: Location, product: Product,
                   verdict: ProbeVerdict) -> Location:
    """Where warm goods scanned in at ``dock`` are received: quarantine of their class."""
    quarantine = sibling(session, dock, LocationKind.QUARANTINE, product.temp_class)
    if quarantine is None:
        raise Conflict(N_("{reason}, and {warehouse} has no {temp} quarantine to put the goods "
                          "in", reason=verdict.reason, warehouse=dock.warehouse.code,
                          temp=product.temp_class),
                       field="probe_temp_c")
    return quarantine


def keep(session: Session, verdict: ProbeVerdict, lot: Lot, receipt: StockMove,
         actor_id: int | None) -> tuple[list[StockMove], str | None]:
    """Keep the measurement with the receipt; hold the lot if the goods were warm.
    Returns the hold moves and a line for the person at the scanner."""
    session.add(ReceiptProbe(move_id=receipt.id, lot_id=lot.id,
                             probe_temp_c=verdict.probe_temp_c, limit_c=verdict.limit_c,
                             outcome="quarantined" if verdict.warm else "accepted",
                             note=verdict.reason if verdict.warm else "",
                             measured_by=actor_id))
    if not verdict.warm:
        return [], None
    hint = N_("{reason}: received into quarantine {location} and the lot is on hold",
              reason=verdict.reason, location=receipt.to_location.code)
    if lot.status != LotStatus.AVAILABLE:
        return [], hint  # already held or recalled: it stays so, the goods sit in quarantine
    # Other stock of the lot in the warehouse is held with it: one lot, one decision.
    return hold_lot(session, lot.id, verdict.reason, actor_id=actor_id,
                    warehouse_ids={receipt.warehouse_id}), hint
