"""``wms outbox``: subscribe, deliver to a real receiver, dead letters and replay."""

from __future__ import annotations

from datetime import date, timedelta

from click.testing import CliRunner

from api.cli import main
from tests.factories import build_world
from wms import orders
from wms.db import make_engine, make_session_factory, transaction
from wms.webhook_receiver import serve_in_thread


def test_subscribe_deliver_dead_letters_and_replay(tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("WMS_OUTBOX_MAX_ATTEMPTS", "1")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    factory = make_session_factory(engine)
    build_world(factory)
    log = tmp_path / "webhooks.log"
    receiver = serve_in_thread("right", log_path=log)
    try:
        result = runner.invoke(main, ["outbox", "subscribe", "shop", receiver.url,
                                      "--secret", "wrong", "--kind", "accepted"])
        assert result.exit_code == 0, result.output
        with transaction(factory) as s:
            orders.place_order(s, {"external_ref": "CLI-1", "pickup_point": "SH-P001",
                                   "delivery_date": date.today() + timedelta(days=1),
                                   "lines": [{"sku": "C00002", "quantity": 1}]}, actor_id=None)
        result = runner.invoke(main, ["outbox", "deliver"])
        assert result.exit_code == 0, result.output
        assert "0 delivered, 1 failed attempt(s), 1 dead" in result.output
        assert '"signature": "refused"' in log.read_text()
        dead = runner.invoke(main, ["outbox", "dead-letters"])
        assert "CLI-1#1\taccepted\tshop\t1 attempts\tHTTP 401" in dead.output
        assert runner.invoke(main, ["outbox", "subscribe", "shop", receiver.url, "--secret",
                                    "x"]).exit_code == 2  # the name is taken
        with transaction(factory) as s:
            from wms.models import WebhookSubscription

            s.query(WebhookSubscription).one().secret = "right"
        assert "1 deliver(ies) queued again" in runner.invoke(main, ["outbox", "replay"]).output
        result = runner.invoke(main, ["outbox", "deliver"])
        assert "1 delivered" in result.output and "dead letters 0" in result.output
        assert '"signature": "valid"' in log.read_text()
        assert "0 dead letter(s)" in runner.invoke(main, ["outbox", "dead-letters"]).output
    finally:
        receiver.shutdown()
        receiver.server_close()
        engine.dispose()
