"""``wms readings`` and ``wms escalate``: logger files, evaluation, overdue alerts."""

from __future__ import annotations

import os
import sys

import click

from api.cli.common import bar_stepper, session_scope, settings


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
    from coldchain.monitoring.evaluate import evaluate_sensor
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
                               progress=bar_stepper(bar, 1000))
    click.echo(f"{fmt}: {report.rows} rows, {report.stored} stored, {report.duplicates} "
               f"already known, {report.rejected} rejected (batch {report.batch_id})")
    for err in report.errors[:50]:
        click.echo(f"  {err.get('where') or err.get('line')}: {err['reason']}")
    if len(report.errors) > 50:
        click.echo(f"  … and {len(report.errors) - 50} more")
    if evaluate and report.stored:
        with session_scope() as session:
            for sensor_id in sorted(report.windows):
                counts = evaluate_sensor(session, sensor_id)
                click.echo(f"evaluated sensor {sensor_id}: {counts}")
    sys.exit(1 if report.rejected and not report.stored else 0)


@readings.command("evaluate")
@click.option("--pending", is_flag=True, help="only batches whose evaluation was never queued")
def readings_evaluate(pending: bool) -> None:
    """Re-evaluate sensors' findings (all sensors, or those of pending batches)."""
    from sqlalchemy import select

    from coldchain.monitoring.evaluate import evaluate_sensor
    from coldchain.monitoring.models import ReadingBatch, Sensor

    with session_scope() as session:
        if pending:
            batches = session.scalars(select(ReadingBatch).where(
                ReadingBatch.evaluation_job_id.is_(None), ReadingBatch.stored > 0)).all()
            sensor_ids = sorted({sid for b in batches for sid in b.sensor_ids})
        else:
            batches = []
            sensor_ids = list(session.scalars(select(Sensor.id).order_by(Sensor.id)))
    with click.progressbar(sensor_ids, label="evaluating", file=sys.stderr) as bar:
        for sensor_id in bar:
            with session_scope() as session:
                evaluate_sensor(session, sensor_id)
    with session_scope() as session:
        for batch in batches:
            session.merge(batch).evaluation_job_id = "evaluated-by-cli"
    click.echo(f"evaluated {len(sensor_ids)} sensors")


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
