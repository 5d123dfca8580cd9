"""How much one label may honestly say: bounds on a scanned count and net weight."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wms.gs1 import RESCAN, ScanData, ScanError
from wms.i18n import N_


@dataclass(frozen=True)
class Plausible:
    """The largest count (AI 30/37) and net weight one label can honestly carry.

    A scan is checked against these before it reaches the ledger: a misread or a forged
    label saying 99,999,999 units would otherwise be received as stock. The settings
    ``WMS_MAX_SCAN_COUNT`` and ``WMS_MAX_SCAN_NET_WEIGHT_KG`` set them.
    """

    max_count: int = 10_000
    max_net_weight_kg: Decimal = Decimal(1500)


def check_plausible(data: ScanData, bounds: Plausible) -> None:
    """Raise `ScanError` naming ``count`` or ``net_weight_kg`` when a label says more than
    any label of this company carries."""
    count_ai = next((ai for ai, _ in data.elements if ai in ("37", "30")), "37")
    if data.count is not None and data.count > bounds.max_count:
        raise ScanError(N_("the count (AI {ai}) {count} is more than a label can carry: at "
                           "most {most} (WMS_MAX_SCAN_COUNT) — {rescan}", ai=count_ai,
                           count=data.count, most=bounds.max_count, rescan=RESCAN), "count")
    weight = data.net_weight_kg
    if weight is not None and weight > bounds.max_net_weight_kg:
        raise ScanError(N_("the net weight {weight} kg is more than a label can carry: at "
                           "most {most} kg (WMS_MAX_SCAN_NET_WEIGHT_KG) — {rescan}",
                           weight=format(weight.normalize(), "f"),
                           most=bounds.max_net_weight_kg, rescan=RESCAN), "net_weight_kg")
