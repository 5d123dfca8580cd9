"""Runtime settings, read once from the environment.

Every setting has a default that works on a bare machine: an SQLite file under
``instance/`` and inline background jobs. Production sets ``WMS_DATABASE_URL`` to
PostgreSQL and ``WMS_REDIS_URL`` to Redis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = PROJECT_ROOT / "instance" / "wms.db"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    redis_url: str | None = None
    secret_key: str = "dev-only-change-me"
    queue_name: str = "wms"
    # Scanners that cannot send ASCII 29 are usually configured to send this instead.
    scan_separator: str = "|"
    timezone: str = "Asia/Shanghai"
    road_circuity: float = 1.3
    truck_speed_kmh: float = 28.0
    # A reading dated further ahead of the server clock than this is a logger clock error.
    reading_max_skew_min: float = 10.0
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": os.environ.get("WMS_DATABASE_URL") or cls.database_url,
            "redis_url": os.environ.get("WMS_REDIS_URL") or None,
            "secret_key": os.environ.get("WMS_SECRET_KEY") or cls.secret_key,
            "queue_name": os.environ.get("WMS_QUEUE") or cls.queue_name,
            "scan_separator": os.environ.get("WMS_SCAN_SEPARATOR") or cls.scan_separator,
            "timezone": os.environ.get("WMS_TIMEZONE") or cls.timezone,
            "road_circuity": _env_float("WMS_ROAD_CIRCUITY", cls.road_circuity),
            "truck_speed_kmh": _env_float("WMS_TRUCK_SPEED_KMH", cls.truck_speed_kmh),
            "reading_max_skew_min": _env_float("WMS_READING_MAX_SKEW_MIN",
                                               cls.reading_max_skew_min),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
