"""A small webhook receiver: verifies each event's signature and logs it to a file.

The demo's subscription points at it (``wms outbox receiver --log instance/webhooks.log``);
it shows what a storefront receives. One JSON object a line: when it arrived, whether the
signature held, whether the event id was seen before (a redelivery), and the event.
A request with a bad or stale signature is answered 401 and logged as refused.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from wms.webhook_signing import SIGNATURE_HEADER, verify


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], secret: str, log_path: Path | None = None):
        super().__init__(address, _Handler)
        self.secret, self.log_path = secret, log_path
        self.events: list[dict[str, Any]] = []  # every accepted request, duplicates too
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/webhooks"

    def accept(self, body: bytes, signature: str | None) -> int:
        ok = verify(self.secret, body, signature, now=time.time())
        entry: dict[str, Any] = {"received_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                 "signature": "valid" if ok else "refused"}
        with self.lock:
            if ok:
                event = json.loads(body)
                entry["duplicate"] = event["id"] in self.seen
                entry["event"] = event
                self.seen.add(event["id"])
                self.events.append(event)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return 204 if ok else 401


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status = self.server.accept(body, self.headers.get(SIGNATURE_HEADER))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the log file says what arrived; no line per request on stderr


def serve_in_thread(secret: str, *, host: str = "127.0.0.1", port: int = 0,
                    log_path: Path | None = None) -> Receiver:
    """Start a receiver in a daemon thread (``port=0``: any free port); ``shutdown()`` and
    ``server_close()`` stop it."""
    receiver = Receiver((host, port), secret, log_path)
    threading.Thread(target=receiver.serve_forever, name="webhook-receiver",
                     daemon=True).start()
    return receiver
