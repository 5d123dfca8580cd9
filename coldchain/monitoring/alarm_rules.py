"""The alarm rules in force: ``data/alarm_rules.json``, or the file ``WMS_ALARM_RULES`` names.

Operators change limits and delays in that file (or point ``WMS_ALARM_RULES`` at their own
copy); reading the document is ``coldchain.analysis.rules``.
"""

from __future__ import annotations

import os
from functools import lru_cache

from coldchain.analysis.rules import RuleBook, read
from wms.settings import PROJECT_ROOT

DEFAULT_PATH = PROJECT_ROOT / "data" / "alarm_rules.json"


@lru_cache(maxsize=4)
def load(path: str | None = None) -> RuleBook:
    return read(path or os.environ.get("WMS_ALARM_RULES") or DEFAULT_PATH)
