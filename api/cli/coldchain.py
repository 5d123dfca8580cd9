"""``wms readings`` and ``wms escalate``: logger files, evaluation, overdue alerts."""

from __future__ import annotations

import os
import sys

import click

from api.cli.common import bar_stepper, session_factory, session_scope, settings


@click.group("readings")
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
    from coldchain.analysis.files import parse_logger_file
    from coldchain.monitoring.evaluate import evaluate_sensors
    from coldchain.monitoring.ingest import ingest_parsed

    with open(path, "rb") as fh:
        data = fh.read()
    with click.progressbar(length=1000, label="reading", file=sys.stderr) as bar:
        advance = bar_stepper(bar, 1000)
        fmt, parsed = parse_logger_file(data, serial=serial, tz=tz, unit=unit, progress=advance)
        advance(1.0)
    with session_scope() as session, click.progressbar(
            length=1000, label="storing", file=sys.stderr) as bar:
        report = ingest_parsed(session, parsed, source=fmt, filename=os.path.basename(path),
                               progress=bar_stepper(bar, 1000),
                               max_skew_min=settings().reading_max_skew_min)
    click.echo(f"{fmt}: {report.rows} rows, {report.stored} stored, {report.duplicates} "
               f"already known, {report.rejected} rejected (batch {report.batch_id})")
    for err in report.errors[:50]:
        click.echo(f"  {err.get('where') or err.get('line')}: {err['reason']}")
    if len(report.errors) > 50:
        click.echo(f"  … and {len(report.errors) - 50} more")
    failed = False
    if evaluate and report.stored:
        run = evaluate_sensors(session_factory(), sorted(report.windows))
        click.echo(f"evaluated {len(report.windows)} sensors: {run.totals}")
        failed = _report_problems(run)
    sys.exit(1 if (report.rejected and not report.stored) or failed else 0)


@readings.command("evaluate")
@click.option("--pending", is_flag=True,
              help="only batches never evaluated and sensors whose evaluation failed")
def readings_evaluate(pending: bool) -> None:
    """Re-evaluate sensors' findings (all sensors, or the pending ones).

    Every sensor is evaluated that can be; the exit status is 1 when any failed, and the
    failed ones are listed (each also has an alert in its warehouse).
    """
    from sqlalchemy import select

    from coldchain.monitoring.evaluate import evaluate_sensors
    from coldchain.monitoring.models import ReadingBatch, Sensor

    with session_scope() as session:
        if pending:
            batches = session.scalars(select(ReadingBatch).where(
                ReadingBatch.evaluation_job_id.is_(None), ReadingBatch.stored > 0)).all()
            failed_before = session.scalars(select(Sensor.id).where(
                Sensor.evaluation_error != ""))
            sensor_ids = sorted({sid for b in batches for sid in b.sensor_ids}
                                | set(failed_before))
        else:
            batches = []
            sensor_ids = list(session.scalars(select(Sensor.id).order_by(Sensor.id)))
    with click.progressbar(length=len(sensor_ids), label="evaluating", file=sys.stderr) as bar:
        run = evaluate_sensors(session_factory(), sensor_ids, progress=lambda i: bar.update(1))
    # A batch counts as evaluated once all its sensors were; the others stay pending.
    done = set(run.succeeded)
    with session_scope() as session:
        for batch in batches:
            if set(batch.sensor_ids) <= done:
                session.merge(batch).evaluation_job_id = "evaluated-by-cli"
    click.echo(f"evaluated {len(run.succeeded)} sensors")
    sys.exit(1 if _report_problems(run) else 0)


def _report_problems(run) -> bool:
    """Print the sensors that failed or left readings out; true if any failed."""
    for item in run.incomplete:
        click.echo(f"  {item['sensor']}: {item['reason']}")
    if run.failed:
        names = ", ".join(item["sensor"] for item in run.failed)
        click.echo(f"{len(run.failed)} sensors failed to evaluate: {names}")
        for item in run.failed:
            click.echo(f"  {item['sensor']}: {item['reason']}")
    return bool(run.failed)


@readings.command("void")
@click.argument("serial")
@click.option("--at", "stamps", multiple=True, type=click.DateTime(
    ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
    help="timestamp of a reading to void, with its UTC offset (repeatable)")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z"]), default=None,
              help="void every reading from this time ...")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z"]), default=None,
              help="... up to and including this time")
@click.option("--reason", required=True, help="why these readings are wrong")
@click.option("--by", "username", default=None, help="the user recorded as voiding them")
def readings_void(serial: str, stamps: tuple, start, end, reason: str,
                  username: str | None) -> None:
    """Void readings of a sensor: they stay stored but are judged no more; re-evaluates it."""
    from sqlalchemy import select

    from coldchain.monitoring import voids
    from coldchain.monitoring.evaluate import evaluate_sensors
    from coldchain.monitoring.models import Sensor
    from wms.errors import ValidationFailed
    from wms.models import User

    if bool(stamps) == (start is not None or end is not None) or (start is None) != (end is None):
        raise click.UsageError("give the readings as --at ... (repeatable) or --from and --to")
    try:
        with session_scope() as session:
            sensor = session.scalar(select(Sensor).where(Sensor.serial == serial))
            if sensor is None:
                raise click.ClickException(f"no sensor {serial!r}")
            user_id = None
            if username:
                user_id = session.scalar(select(User.id).where(User.username == username))
                if user_id is None:
                    raise click.ClickException(f"no user {username!r}")
            picked = voids.readings_to_void(
                session, sensor, timestamps=list(stamps) or None, start=start, end=end)
            done = voids.void(session, sensor, picked, reason=reason, user_id=user_id,
                              via="command line")
            sensor_id = sensor.id
    except ValidationFailed as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(details) from exc
    click.echo(f"voided {done.voided} reading{'s' if done.voided != 1 else ''} of {serial} "
               f"({done.already_voided} already voided)")
    run = evaluate_sensors(session_factory(), [sensor_id])
    click.echo(f"re-evaluated {serial}: {run.totals}")
    sys.exit(1 if _report_problems(run) else 0)


@click.command("escalate")
def escalate() -> None:
    """Escalate alerts nobody acknowledged in time, and raise an alert for each sensor
    past its calibration due date (schedule this every few minutes)."""
    from datetime import timedelta

    from coldchain.monitoring.alarm_rules import load as load_rules
    from coldchain.monitoring.alerts import escalate_overdue
    from coldchain.monitoring.calibration import raise_overdue_alerts

    with session_scope() as session:
        count = escalate_overdue(session, after=timedelta(minutes=load_rules().escalate_after_min))
        overdue = raise_overdue_alerts(session, default_tz=settings().timezone)
    click.echo(f"escalated {count} alerts; {overdue} sensors newly past calibration")
