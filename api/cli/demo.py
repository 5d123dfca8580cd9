"""``wms demo``: the demo data set, with today's deliveries planned and published."""

from __future__ import annotations

import json
import sys

import click

from api.cli.common import bar_stepper, settings
from wms.db import make_engine, make_session_factory


@click.group("demo")
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("--seed", default=7, show_default=True)
@click.option("--json-tokens", is_flag=True, help="print the tokens as JSON")
def demo_load(seed: int, json_tokens: bool) -> None:
    """Migrate and fill an empty database with the demo data set; print a token per role."""
    from coldchain.monitoring.demo import load_sensors
    from wms import demo as demo_data
    from wms import migrations

    engine = make_engine(settings().database_url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    with click.progressbar(length=100, label="building demo data", file=sys.stderr) as bar:
        progress = bar_stepper(bar, 1)
        summary = demo_data.load(factory, seed=seed, progress=progress)
        progress(100)
    with click.progressbar(length=100, label="temperature loggers", file=sys.stderr) as bar:
        summary["counts"].update(load_sensors(factory, seed=seed,
                                              progress=bar_stepper(bar, 100)))
    _demo_webhook(factory)
    _demo_enterprise(factory)
    day = _demo_day(factory, seed)
    if json_tokens:
        click.echo(json.dumps({**summary["tokens"], "driver_with_route": day["driver"]},
                              indent=2))
        return
    click.echo("\n" + ", ".join(f"{v} {k}" for k, v in summary["counts"].items()))
    click.echo("\nAPI tokens (send as 'Authorization: Bearer <token>'):")
    driver = day["driver"]
    if driver:  # the driver to show is one who has a route today
        summary["tokens"]["driver"] = driver
    for role, info in summary["tokens"].items():
        note = f"  (route {info['route_id']} today)" if "route_id" in info else ""
        click.echo(f"  {role:<10} {info['username']:<16} {info['token']}{note}")
    if driver:
        click.echo(f"\nprintable manifest: /manifests/{driver['route_id']} "
                   f"(signed in as {driver['username']})")
    click.echo(f"web pages: /signin as any of these users, password {demo_data.DEMO_PASSWORD!r}")
    click.echo(f"order events: webhook {DEMO_WEBHOOK_URL} ('wms outbox receiver' logs them "
               "to instance/webhooks.log)")


# The demo storefront: ``wms outbox receiver`` listens here with this secret by default.
DEMO_WEBHOOK_URL = "http://127.0.0.1:8765/webhooks"
DEMO_WEBHOOK_SECRET = "coldchain-demo-webhook"


# Two enterprise customers (企业购) in Shanghai, with an order each for today.
DEMO_ENTERPRISES = (
    ("SH-E001", "Lujiazui Finance Canteen", "88 Century Avenue, Pudong", 31.2353, 121.5055,
     "09:00", "11:00", "Chen Jing"),
    ("SH-E002", "Jing'an Office Pantry Co.", "1266 West Nanjing Road, Jing'an", 31.2291,
     121.4548, "09:30", "11:30", "Zhou Min"),
)


def _demo_enterprise(factory) -> None:
    """The enterprise customers and their orders for today, with larger quantities of
    the two chilled products Shanghai holds most of; today's plan makes them stops."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from wms import enterprise, orders
    from wms.db import transaction
    from wms.models import Product, StockBalance, TempClass, Warehouse

    day = datetime.now(ZoneInfo(settings().timezone)).date()
    with transaction(factory) as session:
        wh = session.scalar(select(Warehouse).where(Warehouse.code == "SH1"))
        if wh is None:
            return
        skus = session.scalars(
            select(Product.sku).join(StockBalance, StockBalance.product_id == Product.id)
            .where(StockBalance.warehouse_id == wh.id, Product.temp_class == TempClass.CHILLED)
            .group_by(Product.sku).order_by(func.sum(StockBalance.on_hand).desc(), Product.sku)
            .limit(2)).all()
        for code, name, address, lat, lon, start, end, contact in DEMO_ENTERPRISES:
            enterprise.create_customer(session, wh, {
                "code": code, "name": name, "address": address, "lat": lat, "lon": lon,
                "window_start": time.fromisoformat(start), "window_end": time.fromisoformat(end),
                "service_minutes": 20, "contact_name": contact, "contact_phone": "13800000000"})
            orders.place_order(session, {
                "external_ref": f"B2B-{code}-{day:%Y%m%d}", "pickup_point": code,
                "delivery_date": day, "customer_ref": name,
                "lines": [{"sku": sku, "quantity": 30} for sku in skus]}, actor_id=None)


def _demo_webhook(factory) -> None:
    """Subscribe the demo receiver before today's orders are placed, so their events wait
    for it in the outbox."""
    from wms import outbox
    from wms.db import transaction

    with transaction(factory) as session:
        outbox.create_subscription(session, name="demo-storefront", url=DEMO_WEBHOOK_URL,
                                   secret=DEMO_WEBHOOK_SECRET)


def _demo_day(factory, seed: int) -> dict:
    """Today's orders, allocation and published plans for every warehouse."""
    from routing.dispatch import demo_day

    def progress(label: str):
        return bar_stepper(click.progressbar(length=100, label=label, file=sys.stderr), 1,
                           finish=True)

    click.echo("today's deliveries: orders, allocation, route plans", err=True)
    result = demo_day.run(factory, seed=seed, progress=progress)
    for code, f in result["warehouses"].items():
        click.echo(f"{code}: {f['orders']} orders ({f['units allocated']} units allocated, "
                   f"{f['units on backorder']} on backorder), {f['stops']} stops on "
                   f"{f['routes']} routes, {f['unassigned']} unassigned, {f['km']} km, "
                   f"planned in {f['plan seconds']} s", err=True)
    return result
