"""What a repack may produce, on plain data: the output lot's expiry and the mass balance.

The output of a repack is never fresher than what went into it: its expiry is the
earliest of every input's printed date, every input's remaining shelf life computed from
its temperature history (where sensors measured it), and the output product's own shelf
life from the day of packing. Weight only goes down on the packing table (trimming,
broken leaves, moisture): outputs weighing more than the inputs mean a miscount, and a
loss beyond the configured share needs a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from wms.errors import ValidationFailed
from wms.i18n import N_

GRAMS = Decimal("0.001")


@dataclass(frozen=True)
class InputLife:
    """One input lot's dates: what its label says and what its temperature history says."""

    lot_code: str
    use_by: date | None  # expiry, else best-before
    life_until: date | None = None  # today plus the remaining days by its kinetics


@dataclass(frozen=True)
class Expiry:
    day: date
    # Which limit decided: "shelf_life" (the output product's own), "input_date" or
    # "input_temperatures" (of the input lot ``lot_code``).
    bound_by: str
    lot_code: str | None = None


def output_expiry(inputs: Iterable[InputLife], *, packed_on: date,
                  output_shelf_life_days: float) -> Expiry:
    """The latest date the output may carry: the earliest of all the limits."""
    # Ties go to the first limit listed: an input's printed date, then its history.
    limits: list[Expiry] = []
    for i in inputs:
        if i.use_by is not None:
            limits.append(Expiry(i.use_by, "input_date", i.lot_code))
        if i.life_until is not None:
            limits.append(Expiry(i.life_until, "input_temperatures", i.lot_code))
    limits.append(Expiry(packed_on + timedelta(days=int(output_shelf_life_days)), "shelf_life"))
    return min(limits, key=lambda e: e.day)


@dataclass(frozen=True)
class MassBalance:
    input_kg: Decimal
    output_kg: Decimal

    @property
    def loss_kg(self) -> Decimal:
        return self.input_kg - self.output_kg

    @property
    def yield_pct(self) -> float:
        if self.input_kg == 0:
            return 0.0
        return round(float(self.output_kg / self.input_kg * 100), 2)

    @property
    def loss_pct(self) -> float:
        return round(100.0 - self.yield_pct, 2)


def kg(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(GRAMS, rounding=ROUND_HALF_EVEN)


def mass_balance(input_kg: Decimal, output_kg: Decimal, *, max_loss_pct: float,
                 loss_reason: str = "") -> MassBalance:
    """Check that outputs weigh no more than inputs, and that a loss beyond
    ``max_loss_pct`` per cent comes with a reason; raise ``ValidationFailed`` otherwise."""
    found = MassBalance(kg(input_kg), kg(output_kg))
    if found.input_kg <= 0:
        raise ValidationFailed({"inputs": [N_("the inputs weigh nothing")]})
    if found.output_kg > found.input_kg:
        raise ValidationFailed({"outputs": [N_(
            "the outputs weigh {output} kg, more than the {input} kg that went in",
            output=str(found.output_kg), input=str(found.input_kg))]})
    if found.loss_pct > max_loss_pct and not loss_reason.strip():
        raise ValidationFailed({"loss_reason": [N_(
            "the loss is {loss} per cent of the weight, more than {most} per cent: say why",
            loss=f"{found.loss_pct:g}", most=f"{max_loss_pct:g}")]})
    return found
