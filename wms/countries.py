"""Country names as ISO 3166-1 gives them, from any of its codes.

Lots and suppliers carry codes (``CN``, ``THA``, or the numeric ``156`` that GS1 AI 422
writes); people and authorities read names ("China", "Thailand").
"""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=512)
def name(code: str | None) -> str:
    """The ISO 3166-1 short name of a country code; the code itself if it names none."""
    code = (code or "").strip()
    if not code:
        return ""
    if code.isdigit():
        found = pycountry.countries.get(numeric=code.zfill(3))
    elif len(code) == 2:
        found = pycountry.countries.get(alpha_2=code.upper())
    elif len(code) == 3:
        found = pycountry.countries.get(alpha_3=code.upper())
    else:
        found = None
    return found.name if found is not None else code
