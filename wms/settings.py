"""Runtime settings, read once from the environment.

Every setting has a default that works on a bare machine: an SQLite file under
``instance/`` and background jobs in a thread of the web process. Production sets
``WMS_DATABASE_URL`` to PostgreSQL and ``WMS_REDIS_URL`` to Redis.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from wms.plausibility import Plausible

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEFAULT_SQLITE = INSTANCE_DIR / "wms.db"
SECRET_FILE = "secret_key"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    redis_url: str | None = None
    # None: a random key generated once and kept in the instance folder (see below).
    secret_key: str | None = None
    queue_name: str = "wms"
    # Without Redis: "thread" (jobs run in a thread of the web process) or "inline".
    job_mode: str = "thread"
    # Scanners that cannot send ASCII 29 are usually configured to send this instead.
    scan_separator: str = "|"
    # The same label scanned again this soon waits for a confirmation on the scanning page.
    scan_repeat_window_s: float = 10.0
    timezone: str = "Asia/Shanghai"
    road_circuity: float = 1.3
    truck_speed_kmh: float = 28.0
    # Plausibility of what a label says (AI 30/37 count, AI 310n/320n net weight).
    max_scan_count: int = Plausible.max_count
    max_scan_net_weight_kg: Decimal = Plausible.max_net_weight_kg
    # Longest date range one export, scorecard or readings window may cover.
    max_range_days: int = 31
    # A reading dated further ahead of the server clock than this is a logger clock error.
    reading_max_skew_min: float = 10.0
    # How far past a purchase order line's quantity a receipt may go (weighed goods vary).
    po_over_receipt_pct: float = 5.0
    # Orders placed through the API after their date's cut-off move to the next date.
    order_cutoff: bool = True
    # Webhook delivery of order events: attempts before the dead-letter list, and the
    # first retry delay (doubling each time, at most ten minutes).
    outbox_max_attempts: int = 8
    outbox_backoff_s: float = 2.0

    # Where certificate files are kept: a directory; unset, ``instance/documents/``.
    document_store: str | None = None

    # A repack that loses a larger share of the input weight than this needs a reason.
    repack_max_loss_pct: float = 15.0

    # A tile server's URL template ({z}/{x}/{y}) drawn under the route map; None: the
    # district outlines shipped with the app only (works offline).
    map_tiles: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": os.environ.get("WMS_DATABASE_URL") or cls.database_url,
            "redis_url": os.environ.get("WMS_REDIS_URL") or None,
            "secret_key": os.environ.get("WMS_SECRET_KEY") or None,
            "queue_name": os.environ.get("WMS_QUEUE") or cls.queue_name,
            "job_mode": os.environ.get("WMS_JOBS") or cls.job_mode,
            "scan_separator": os.environ.get("WMS_SCAN_SEPARATOR") or cls.scan_separator,
            "scan_repeat_window_s": _env_float("WMS_SCAN_REPEAT_WINDOW_S",
                                               cls.scan_repeat_window_s),
            "timezone": os.environ.get("WMS_TIMEZONE") or cls.timezone,
            "road_circuity": _env_float("WMS_ROAD_CIRCUITY", cls.road_circuity),
            "truck_speed_kmh": _env_float("WMS_TRUCK_SPEED_KMH", cls.truck_speed_kmh),
            "max_scan_count": _env_int("WMS_MAX_SCAN_COUNT", cls.max_scan_count),
            "max_scan_net_weight_kg": Decimal(os.environ.get("WMS_MAX_SCAN_NET_WEIGHT_KG")
                                              or cls.max_scan_net_weight_kg),
            "max_range_days": _env_int("WMS_MAX_RANGE_DAYS", cls.max_range_days),
            "reading_max_skew_min": _env_float("WMS_READING_MAX_SKEW_MIN",
                                               cls.reading_max_skew_min),
            "po_over_receipt_pct": _env_float("WMS_PO_OVER_RECEIPT_PCT",
                                              cls.po_over_receipt_pct),
            "order_cutoff": (os.environ.get("WMS_ORDER_CUTOFF") or "on").lower()
            not in ("off", "0", "false", "no"),
            "outbox_max_attempts": _env_int("WMS_OUTBOX_MAX_ATTEMPTS",
                                            cls.outbox_max_attempts),
            "outbox_backoff_s": _env_float("WMS_OUTBOX_BACKOFF_S", cls.outbox_backoff_s),

            "document_store": os.environ.get("WMS_DOCUMENT_STORE") or None,

            "repack_max_loss_pct": _env_float("WMS_REPACK_MAX_LOSS_PCT",
                                              cls.repack_max_loss_pct),

            "map_tiles": os.environ.get("WMS_MAP_TILES") or None,
        }
        values.update(overrides)
        if values["job_mode"] not in ("thread", "inline"):
            # Refused when the app starts, not at the first job a person requests.
            raise ValueError(f"WMS_JOBS must be thread or inline, not {values['job_mode']!r}")
        return cls(**values)  # type: ignore[arg-type]

    @property
    def outbox_mode(self) -> str:
        """Who sends webhook events: rq workers with Redis, else as jobs run here."""
        return "rq" if self.redis_url else self.job_mode

    @property
    def scan_bounds(self) -> Plausible:
        return Plausible(max_count=self.max_scan_count,
                         max_net_weight_kg=self.max_scan_net_weight_kg)

def load_or_create_secret(instance_dir: Path = INSTANCE_DIR) -> str:
    """The key that signs this installation's cookies when ``WMS_SECRET_KEY`` is not set.

    Generated at random the first time and kept in ``instance_dir/secret_key`` (mode 0600),
    so restarts and every gunicorn worker use the same one: a constant default would let
    anyone who read this source sign cookies. Workers starting together race to create it;
    the file is written whole under another name and linked into place, which succeeds for
    exactly one of them, and the others read the winner's key.
    """
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / SECRET_FILE
    for _ in range(50):
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            key = ""
        if key:
            return key
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=instance_dir, prefix=".secret_key.")
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32) + "\n")
                with contextlib.suppress(FileExistsError):  # another worker was first
                    os.link(tmp, path)
            finally:
                os.unlink(tmp)
            continue
        time.sleep(0.01)  # an empty file written by hand or another tool: wait, then fail
    raise RuntimeError(f"{path} is empty; delete it or set WMS_SECRET_KEY")
