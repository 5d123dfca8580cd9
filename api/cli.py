"""The ``wms`` command line: database, users and tokens, demo data, serving, workers.

Bad input to any command (a domain error such as an unknown warehouse, a bad option, an
unknown command) is one line on stderr and exit code 2: people and cron mails read the
reason, not a traceback. Checks that find problems (``wms check``, ``wms stock verify``)
keep exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta

import click

from routing.cli import routes_cli
from wms.db import make_engine, make_session_factory, transaction
from wms.errors import DomainError
from wms.settings import Settings

BAD_INPUT = 2


def _settings() -> Settings:
    return Settings.from_env()


def _fail(message: str) -> None:
    click.echo("wms: " + " ".join(message.split()), err=True)
    sys.exit(BAD_INPUT)


class Commands(click.Group):
    """The top-level group: runs a command and turns what it refuses into one line."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):  # type: ignore[override]
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except DomainError as exc:
            _fail(exc.detail)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(exc.format_message() + hint)
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.Abort:
            click.echo("wms: aborted", err=True)
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=Commands)
def main() -> None:
    """coldchain-wms: warehouse and cold-chain logistics."""


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database named by WMS_DATABASE_URL to REVISION."""
    from wms import migrations

    engine = make_engine(_settings().database_url)
    migrations.upgrade(engine, revision)
    click.echo(f"database at {engine.url.render_as_string()} is at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION (``base`` empties it)."""
    from wms import migrations

    migrations.downgrade(make_engine(_settings().database_url), revision)


@main.group()
def users() -> None:
    """People who use the system."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["admin", "staff", "dispatcher", "driver", "buyer"]))
@click.option("--name", "display_name", default=None)
@click.option("--warehouse", default=None, help="warehouse code (staff, dispatcher)")
@click.option("--vehicle", default=None, help="vehicle code (driver)")
@click.option("--password", default=None, help="for signing in to the web pages")
def users_create(username: str, role: str, display_name: str | None, warehouse: str | None,
                 vehicle: str | None, password: str | None) -> None:
    """Create a user."""
    from wms import accounts

    with _transaction() as session:
        user = accounts.create_user(session, username=username, role=role,
                                    display_name=display_name, warehouse_code=warehouse,
                                    vehicle_code=vehicle, password=password)
        click.echo(f"created {user.role} {user.username} (id {user.id})")


@users.command("password")
@click.argument("username")
@click.option("--password", default=None,
              help="the new password (asked for, hidden and twice, when not given)")
def users_password(username: str, password: str | None) -> None:
    """Set USERNAME's password; every page session and API token of theirs ends."""
    from wms import accounts

    with _transaction() as session:
        accounts.user_by_name(session, username)  # before asking for a password
    if password is None:
        password = click.prompt("new password", hide_input=True, confirmation_prompt=True)
    with _transaction() as session:
        accounts.set_password(session, accounts.user_by_name(session, username), password)
    click.echo(f"password of {username} set; their sessions and API tokens have ended")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable USERNAME: no sign-in, and every page session and API token ends."""
    from wms import accounts

    with _transaction() as session:
        accounts.set_active(session, accounts.user_by_name(session, username), False)
    click.echo(f"{username} disabled; their sessions and API tokens have ended")


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable USERNAME again (tokens revoked when they were disabled stay revoked)."""
    from wms import accounts

    with _transaction() as session:
        accounts.set_active(session, accounts.user_by_name(session, username), True)
    click.echo(f"{username} enabled")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--ttl-days", type=int, default=None, help="expire after this many days")
def tokens_create(username: str, name: str, ttl_days: int | None) -> None:
    """Create an API token for USERNAME and print it (it is shown only once)."""
    from wms import accounts

    with _transaction() as session:
        user = accounts.user_by_name(session, username)
        _, secret = accounts.issue_token(
            session, user, name=name, ttl=timedelta(days=ttl_days) if ttl_days else None)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by its id."""
    from wms.models import ApiToken
    from wms.models.base import utcnow

    with _transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"no token {token_id}")
        token.revoked_at = token.revoked_at or utcnow()
    click.echo(f"token {token_id} revoked")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("--seed", default=7, show_default=True)
@click.option("--json-tokens", is_flag=True, help="print the tokens as JSON")
def demo_load(seed: int, json_tokens: bool) -> None:
    """Migrate and fill an empty database with the demo data set; print a token per role."""
    from coldchain.demo import load_sensors
    from wms import demo as demo_data
    from wms import migrations

    engine = make_engine(_settings().database_url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    with click.progressbar(length=100, label="building demo data", file=sys.stderr) as bar:
        done = [0]

        def progress(pct: float, _msg: str = "") -> None:
            bar.update(int(pct) - done[0])
            done[0] = int(pct)

        summary = demo_data.load(factory, seed=seed, progress=progress)
        progress(100)
    with click.progressbar(length=100, label="temperature loggers", file=sys.stderr) as bar:
        seen = [0]

        def logger_progress(fraction: float) -> None:
            bar.update(int(fraction * 100) - seen[0])
            seen[0] = int(fraction * 100)

        summary["counts"].update(load_sensors(factory, seed=seed, progress=logger_progress))
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


def _demo_day(factory, seed: int) -> dict:
    """Today's orders, allocation and published plans for every warehouse."""
    from routing import demo_day

    def progress(label: str):
        bar = click.progressbar(length=100, label=label, file=sys.stderr)
        done = [0]

        def advance(pct: float, _msg: str = "") -> None:
            step = int(pct) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step
                if done[0] >= 100:
                    bar.render_finish()

        return advance

    click.echo("today's deliveries: orders, allocation, route plans", err=True)
    result = demo_day.run(factory, seed=seed, progress=progress)
    for code, f in result["warehouses"].items():
        click.echo(f"{code}: {f['orders']} orders ({f['units allocated']} units allocated, "
                   f"{f['units on backorder']} on backorder), {f['stops']} stops on "
                   f"{f['routes']} routes, {f['unassigned']} unassigned, {f['km']} km, "
                   f"planned in {f['plan seconds']} s", err=True)
    return result


@main.command("check")
def check() -> None:
    """Check master data integrity; exit 1 if anything is wrong."""
    from wms.integrity import run_checks

    with _transaction() as session:
        report = run_checks(session)
    for name, problems in report["problems"].items():
        click.echo(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for p in problems:
            click.echo(f"     {p}")
    sys.exit(0 if report["ok"] else 1)


@main.group()
def stock() -> None:
    """Stock ledger and balances."""


@stock.command("verify")
def stock_verify() -> None:
    """Rebuild every balance from the ledger and compare; exit 1 on any difference."""
    from sqlalchemy import select

    from wms.ledger import counts, verify
    from wms.models import Location, Lot

    with _transaction() as session:
        differences = verify(session)
        moves, rows = counts(session)
        codes = dict(session.execute(select(Location.id, Location.code)).all())
        lots = dict(session.execute(select(Lot.id, Lot.lot_code)).all())
    for d in differences:
        click.echo(f"DIFF {codes.get(d.location_id, d.location_id)} lot "
                   f"{lots.get(d.lot_id, d.lot_id)}: on hand {d.balance_on_hand} kept, "
                   f"{d.ledger_on_hand} by the ledger; reserved {d.balance_reserved} kept, "
                   f"{d.reservations} by reservations")
    verdict = "differ" if differences else "agree"
    click.echo(f"{moves} moves, {rows} balances: {len(differences)} differences; "
               f"balances and ledger {verdict}")
    sys.exit(1 if differences else 0)


@main.group()
def orders() -> None:
    """Customer orders."""


@orders.command("allocate")
@click.option("--warehouse", required=True, help="warehouse code")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="delivery date")
@click.option("--strategy", default="fefo", show_default=True,
              help="fefo, or lsfo (least remaining shelf life first, from temperatures)")
def orders_allocate(warehouse: str, day, strategy: str) -> None:
    """Allocate a warehouse's open orders for a delivery date, one transaction per order."""
    from sqlalchemy import select

    import coldchain.allocation  # noqa: F401  (registers "lsfo")
    from wms.models import Warehouse
    from wms.orders import allocate_day

    factory = make_session_factory(make_engine(_settings().database_url))
    with transaction(factory) as session:
        warehouse_id = session.scalar(select(Warehouse.id).where(Warehouse.code == warehouse))
    if warehouse_id is None:
        raise click.ClickException(f"no warehouse {warehouse!r}")
    try:
        reports = allocate_day(factory, warehouse_id, day.date(), strategy=strategy)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    allocated = backorder = 0
    for report in reports:
        a = sum(ln.allocated for ln in report.lines)
        b = sum(ln.backorder for ln in report.lines)
        allocated, backorder = allocated + a, backorder + b
        note = f"  ({report.error})" if report.error else ""
        click.echo(f"{report.order:<24} {report.status:<10} allocated {a:>6} "
                   f"backorder {b:>6}{note}")
    click.echo(f"{len(reports)} orders: {allocated} units allocated, {backorder} on backorder")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API and pages with gunicorn."""
    os.execvp(sys.executable, [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
        "--access-logfile", "-", "api.wsgi:app",
    ])


@main.command("worker")
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
def worker(burst: bool) -> None:
    """Run an rq worker for background jobs (needs WMS_REDIS_URL)."""
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("set WMS_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    from redis import Redis
    from rq import Queue, Worker

    conn = Redis.from_url(settings.redis_url)
    Worker([Queue(settings.queue_name, connection=conn)], connection=conn).work(burst=burst)


def _transaction():
    return transaction(make_session_factory(make_engine(_settings().database_url)))


@routes_cli.command("plan")
@click.option("--warehouse", required=True, help="warehouse code")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="delivery date")
@click.option("--time-limit", default=10.0, show_default=True, help="solver seconds")
@click.option("--publish", is_flag=True, help="publish the new version to the drivers")
def routes_plan(warehouse: str, day, time_limit: float, publish: bool) -> None:
    """Plan a warehouse's delivery date from its allocated orders; save a new version."""
    from routing import dispatch
    from wms.errors import DomainError

    factory = make_session_factory(make_engine(_settings().database_url))
    with transaction(factory) as session:
        try:
            warehouse_id = dispatch.warehouse_id_of(session, warehouse)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
    with click.progressbar(length=100, label=f"planning {warehouse}", file=sys.stderr) as bar:
        done = [0]

        def progress(pct: float, _msg: str = "") -> None:
            step = int(pct) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        try:
            result = dispatch.plan_day(factory, warehouse_id, day.date(),
                                       time_limit_s=time_limit, progress=progress)
        except dispatch.InvalidPlan as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"plan {result['plan_id']} version {result['version']}: {result['stops']} stops "
               f"on {result['routes']} routes, {result['unassigned']} unassigned, "
               f"{result['total_distance_km']} km, cost {result['total_cost']}")
    if publish:
        try:
            with transaction(factory) as session:
                dispatch.publish(session, result["plan_id"], actor_id=None)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        click.echo("published")


main.add_command(routes_cli, "routes")


@main.group()
def readings() -> None:
    """Temperature readings from loggers."""


@readings.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--serial", default=None, help="the logger's serial if the file has no serial column")
@click.option("--unit", type=click.Choice(["C", "F"]), default=None)
@click.option("--tz", default=None, help="time zone of times without an offset")
@click.option("--evaluate/--no-evaluate", default=True, show_default=True)
def readings_import(path: str, serial: str | None, unit: str | None, tz: str | None,
                    evaluate: bool) -> None:
    """Import a logger file (CSV export or Berlinger Q-tag download)."""
    from coldchain.evaluate import evaluate_sensor
    from coldchain.files import parse_logger_file
    from coldchain.ingest import ingest_parsed

    with open(path, "rb") as fh:
        data = fh.read()
    with click.progressbar(length=1000, label="reading", file=sys.stderr) as bar:
        seen = [0]

        def advance(fraction: float) -> None:
            step = int(fraction * 1000) - seen[0]
            if step > 0:
                bar.update(step)
                seen[0] += step

        fmt, parsed = parse_logger_file(data, serial=serial, tz=tz, unit=unit, progress=advance)
        advance(1.0)
    with _transaction() as session, click.progressbar(
            length=1000, label="storing", file=sys.stderr) as bar:
        done = [0]

        def stored(fraction: float) -> None:
            step = int(fraction * 1000) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        report = ingest_parsed(session, parsed, source=fmt, filename=os.path.basename(path),
                               progress=stored)
    click.echo(f"{fmt}: {report.rows} rows, {report.stored} stored, {report.duplicates} "
               f"already known, {report.rejected} rejected (batch {report.batch_id})")
    for err in report.errors[:50]:
        click.echo(f"  {err.get('where') or err.get('line')}: {err['reason']}")
    if len(report.errors) > 50:
        click.echo(f"  … and {len(report.errors) - 50} more")
    if evaluate and report.stored:
        with _transaction() as session:
            for sensor_id in sorted(report.windows):
                counts = evaluate_sensor(session, sensor_id)
                click.echo(f"evaluated sensor {sensor_id}: {counts}")
    sys.exit(1 if report.rejected and not report.stored else 0)


@readings.command("evaluate")
@click.option("--pending", is_flag=True, help="only batches whose evaluation was never queued")
def readings_evaluate(pending: bool) -> None:
    """Re-evaluate sensors' findings (all sensors, or those of pending batches)."""
    from sqlalchemy import select

    from coldchain.evaluate import evaluate_sensor
    from coldchain.models import ReadingBatch, Sensor

    with _transaction() as session:
        if pending:
            batches = session.scalars(select(ReadingBatch).where(
                ReadingBatch.evaluation_job_id.is_(None), ReadingBatch.stored > 0)).all()
            sensor_ids = sorted({sid for b in batches for sid in b.sensor_ids})
        else:
            batches = []
            sensor_ids = list(session.scalars(select(Sensor.id).order_by(Sensor.id)))
    with click.progressbar(sensor_ids, label="evaluating", file=sys.stderr) as bar:
        for sensor_id in bar:
            with _transaction() as session:
                evaluate_sensor(session, sensor_id)
    with _transaction() as session:
        for batch in batches:
            session.merge(batch).evaluation_job_id = "evaluated-by-cli"
    click.echo(f"evaluated {len(sensor_ids)} sensors")


@main.command("escalate")
def escalate() -> None:
    """Escalate alerts nobody acknowledged in time (schedule this every few minutes)."""
    from datetime import timedelta

    from coldchain.alerts import escalate_overdue
    from coldchain.rules import load as load_rules

    with _transaction() as session:
        count = escalate_overdue(session, after=timedelta(minutes=load_rules().escalate_after_min))
    click.echo(f"escalated {count} alerts")
