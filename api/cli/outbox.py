"""``wms outbox``: webhook subscriptions, delivery, dead letters, replay, and the demo's
webhook receiver."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.common import session_factory, session_scope, settings
from wms import outbox, outbox_delivery
from wms.db import transaction
from wms.models import WebhookSubscription


@click.group("outbox")
def outbox_cli() -> None:
    """Order events to the storefront's webhooks."""


@outbox_cli.command("subscribe")
@click.argument("name")
@click.argument("url")
@click.option("--secret", required=True, help="shared secret of the HMAC signature")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(outbox.KINDS),
              help="an event kind to send (repeatable); none: every kind")
def subscribe(name: str, url: str, secret: str, kinds: tuple[str, ...]) -> None:
    """Send order events to URL."""
    with session_scope() as session:
        sub = outbox.create_subscription(session, name=name, url=url, secret=secret,
                                         kinds=list(kinds))
        click.echo(f"subscription {sub.id} {sub.name} -> {sub.url}")


@outbox_cli.command("subscriptions")
def subscriptions() -> None:
    """List the webhook subscriptions."""
    with session_scope() as session:
        for sub in session.query(WebhookSubscription).order_by(WebhookSubscription.id):
            kinds = ",".join(sub.kinds) or "every kind"
            state = "active" if sub.active else "off"
            click.echo(f"{sub.id}\t{sub.name}\t{state}\t{sub.url}\t{kinds}")


@outbox_cli.command("disable")
@click.argument("sub_id", type=int)
def disable(sub_id: int) -> None:
    """Stop sending to a subscription (its events wait until it is enabled again)."""
    _set_active(sub_id, False)


@outbox_cli.command("enable")
@click.argument("sub_id", type=int)
def enable(sub_id: int) -> None:
    """Send to a subscription again, starting with what waited."""
    _set_active(sub_id, True)


def _set_active(sub_id: int, active: bool) -> None:
    with session_scope() as session:
        sub = outbox.update_subscription(session, sub_id, {"active": active})
        click.echo(f"subscription {sub.id} {sub.name} {'active' if active else 'off'}")


@outbox_cli.command("deliver")
@click.option("--linger", default=0.0, show_default=True,
              help="seconds to keep retrying what failed (0: one pass)")
def deliver(linger: float) -> None:
    """Send what is due now (from cron, or by hand after an outage)."""
    factory = session_factory()
    policy = outbox_delivery.Policy.from_settings(settings())
    result = (outbox_delivery.drain(factory, policy=policy, linger_s=linger) if linger
              else outbox_delivery.deliver_due(factory, policy=policy))
    with transaction(factory) as session:
        left = outbox_delivery.counts(session)
    click.echo(f"{result.delivered} delivered, {result.failed} failed attempt(s), "
               f"{result.dead} dead; pending {left['pending']}, dead letters {left['dead']}")
    for line in result.errors[:20]:
        click.echo(f"  {line}", err=True)


@outbox_cli.command("dead-letters")
def dead_letters() -> None:
    """Events a webhook did not take after the last attempt."""
    with session_scope() as session:
        rows = outbox.dead_letters(session)
        for row in rows:
            click.echo(f"{row.event.event_id}\t{row.order_ref}#{row.sequence}\t"
                       f"{row.event.kind}\t{row.subscription.name}\t{row.attempts} attempts\t"
                       f"{row.last_error}")
        click.echo(f"{len(rows)} dead letter(s)")


@outbox_cli.command("replay")
@click.argument("event_ids", nargs=-1)
def replay(event_ids: tuple[str, ...]) -> None:
    """Send events again: the EVENT_IDS given, or every dead letter."""
    with session_scope() as session:
        rows = outbox.replay(session, event_ids=list(event_ids) or None)
    click.echo(f"{len(rows)} deliver(ies) queued again; 'wms outbox deliver' sends them now")


@outbox_cli.command("receiver")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("instance/webhooks.log"), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True)
@click.option("--secret", envvar="WMS_WEBHOOK_SECRET", default="coldchain-demo-webhook",
              show_default=True, help="the subscription's secret (or WMS_WEBHOOK_SECRET)")
def receiver(log_path: Path, host: str, port: int, secret: str) -> None:
    """A demo webhook receiver: verifies signatures, logs each event as a JSON line."""
    from wms.webhook_receiver import Receiver

    log_path.parent.mkdir(parents=True, exist_ok=True)
    server = Receiver((host, port), secret, log_path)
    click.echo(f"receiving on {server.url}, logging to {log_path}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
