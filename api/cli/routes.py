"""``wms routes``: the engine's ``solve`` and ``check``, and ``plan`` from the database."""

from __future__ import annotations

import sys

import click

from api.cli.common import bar_stepper, settings
from routing.engine.cli import routes_cli
from wms.db import make_engine, make_session_factory, transaction


@routes_cli.command("plan")
@click.option("--warehouse", required=True, help="warehouse code")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="delivery date")
@click.option("--time-limit", default=10.0, show_default=True, help="solver seconds")
@click.option("--publish", is_flag=True, help="publish the new version to the drivers")
def routes_plan(warehouse: str, day, time_limit: float, publish: bool) -> None:
    """Plan a warehouse's delivery date from its allocated orders; save a new version."""
    from routing.dispatch import plans
    from wms.errors import DomainError

    factory = make_session_factory(make_engine(settings().database_url))
    with transaction(factory) as session:
        try:
            warehouse_id = plans.warehouse_id_of(session, warehouse)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
    with click.progressbar(length=100, label=f"planning {warehouse}", file=sys.stderr) as bar:
        try:
            result = plans.plan_day(factory, warehouse_id, day.date(),
                                    time_limit_s=time_limit, progress=bar_stepper(bar, 1))
        except plans.InvalidPlan as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"plan {result['plan_id']} version {result['version']}: {result['stops']} stops "
               f"on {result['routes']} routes, {result['unassigned']} unassigned, "
               f"{result['total_distance_km']} km, cost {result['total_cost']}")
    if publish:
        try:
            with transaction(factory) as session:
                plans.publish(session, result["plan_id"], actor_id=None)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        click.echo("published")




__all__ = ["routes_cli"]
