"""Units and physical constants shared by the cold-chain calculations.

Every temperature inside the package is in degrees Celsius (float). Fahrenheit exists only at
the edges (logger files, gateway payloads) and is converted on the way in. Times are UTC epoch
seconds (int64) in arrays and aware UTC datetimes in rows handed to the database layer.

Temperatures are compared at a stated resolution of 0.01 °C: converted values (and readings
as they are stored) are rounded half-even to two decimals, and so are rule limits. Without
it a logger reading of exactly 39.2 °F becomes 4.000000000000002 °C and a chilled room
sitting at its 4 °C limit would be out of range.
"""

from __future__ import annotations

import numpy as np

#: Offset between the Celsius and the Kelvin scale.
KELVIN_OFFSET = 273.15

#: Molar gas constant (CODATA 2018), J/(mol·K). 83.144 kJ/mol divided by it is ≈ 10,000 K, the
#: ΔH/R the USP uses for mean kinetic temperature.
GAS_CONSTANT_J = 8.314462618

#: A reading outside this range cannot come from a working sensor in a food supply chain (the
#: coldest blast freezers run near −60 °C); such values are probe faults or parse errors.
MIN_PLAUSIBLE_C = -90.0
MAX_PLAUSIBLE_C = 90.0


#: Decimals of a Celsius value as readings are compared and stored (0.01 °C).
RESOLUTION_DECIMALS = 2


def at_resolution(temp_c):
    """A Celsius value (float or array) rounded half-even to the stated resolution."""
    if isinstance(temp_c, np.ndarray):
        return np.round(temp_c.astype(float), RESOLUTION_DECIMALS)
    return round(float(temp_c), RESOLUTION_DECIMALS)


def f_to_c(temp_f):
    """Fahrenheit to Celsius at the stated resolution; floats and numpy arrays alike."""
    if isinstance(temp_f, np.ndarray):
        return at_resolution((temp_f.astype(float) - 32.0) * (5.0 / 9.0))
    return at_resolution((float(temp_f) - 32.0) * (5.0 / 9.0))


def c_to_f(temp_c):
    """Celsius to Fahrenheit; works on floats and numpy arrays alike."""
    if isinstance(temp_c, np.ndarray):
        return temp_c.astype(float) * 1.8 + 32.0
    return float(temp_c) * 1.8 + 32.0


def is_plausible_c(temp_c: float) -> bool:
    """True when a Celsius value is finite and inside the physically possible range."""
    return MIN_PLAUSIBLE_C <= temp_c <= MAX_PLAUSIBLE_C
