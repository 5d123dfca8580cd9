"""JSON answers write dates and times as ISO 8601, as the schemas document them.

Flask's default writes a ``date`` or ``datetime`` it meets in a plain dict as an HTTP
date (RFC 1123, "Thu, 31 Dec 2026 00:00:00 GMT"); answers built without a schema would
then disagree with those built with one.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask.json.provider import DefaultJSONProvider


class IsoJSONProvider(DefaultJSONProvider):
    sort_keys = False  # keep the schemas' field order: id and code first

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, date | time):
            return o.isoformat()
        return DefaultJSONProvider.default(o)
