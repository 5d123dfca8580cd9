"""Sensors, temperature readings (JSON batches and logger files), findings, MKT, alerts,
calibrations and the daily temperature record.

Longer than 400 lines because every cold-chain operation shares the sensor and location
lookups and the blueprint's multipart parser; each view is a few lines over a function
of ``coldchain.monitoring``.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api import policy
from api.auth import current_user
from api.jobs import start_job
from api.lookups import one_or_404, owned_or_404, scoped, warehouse_for_user
from api.pagination import SelectPage
from api.parsing import FormWithFilesParser
from api.runtime import db, runtime
from api.schemas.coldchain import (
    AckSchema,
    AlertQuerySchema,
    AlertSchema,
    AttachSchema,
    CalibrationCreateSchema,
    CalibrationHistorySchema,
    CalibrationSchema,
    EscalationSchema,
    FindingQuerySchema,
    FindingSchema,
    IngestResultSchema,
    LotTemperatureSchema,
    MktQuerySchema,
    MktSchema,
    ReadingBatchSchema,
    ReadingFileSchema,
    ResolveSchema,
    SensorCreateSchema,
    SensorSchema,
    SeriesSchema,
    WindowQuerySchema,
)
from api.schemas.records import DailyRecordQuerySchema, DailyRecordSchema
from coldchain.analysis.downsample import chart_points
from coldchain.analysis.events import Span, merge_events
from coldchain.analysis.files import parse_logger_file
from coldchain.analysis.readings.conventions import ParsedReadings, ReadingFormatError
from coldchain.analysis.readings.json_batch import normalise_json
from coldchain.monitoring import alerts, calibration, sensors
from coldchain.monitoring.alarm_rules import load as load_rules
from coldchain.monitoring.daily_record import CSV_COLUMNS, csv_rows, daily_record
from coldchain.monitoring.evaluate import series
from coldchain.monitoring.ingest import ingest_parsed
from coldchain.monitoring.lot_history import history
from coldchain.monitoring.models import Alert, Finding, ReadingBatch, Sensor
from coldchain.monitoring.reports import location_sensor_ids, location_series, mkt_report
from wms import csv_safety, scope
from wms.errors import Forbidden, ValidationFailed
from wms.models import Location, Lot, User
from wms.models.base import utcnow

log = logging.getLogger(__name__)
blp = Blueprint("coldchain", __name__, url_prefix="/api",
                description="Sensors, temperature readings, excursions and alerts")
# Logger uploads are multipart: the file and its options are read as one form.
blp.ARGUMENTS_PARSER = FormWithFilesParser()
MAX_BATCH = 10_000


def _location(code: str) -> Location:
    location = owned_or_404(Location, "location", code=code)
    return location


def _sensor(serial: str) -> Sensor:
    return one_or_404(Sensor, "sensor", serial=serial)


def _require_own_sensors(serials) -> None:
    """Readings may only be sent for sensors of the sender's warehouse: a foreign batch
    would raise alarms (and holds) in a warehouse the sender does not work in."""
    user = current_user()
    if scope.visible_warehouse_ids(user) is None:
        return
    names = {s for s in serials if s and "\x00" not in s}
    if not names:
        return
    rows = db().execute(select(Sensor.serial, Location.warehouse_id)
                        .join(Location, Location.id == Sensor.location_id)
                        .where(Sensor.serial.in_(names)))
    allowed = scope.visible_warehouse_ids(user)
    foreign = sorted(serial for serial, warehouse_id in rows if warehouse_id not in allowed)
    if foreign:
        shown = ", ".join(foreign[:10]) + (" ..." if len(foreign) > 10 else "")
        raise Forbidden(f"sensors of another warehouse than yours: {shown}; "
                        f"no reading was stored")


def _calibration_flags(flags) -> dict:
    """Which sensors speak in a series, and whether one is past its calibration due date."""
    listed = sorted(({"sensor": serial, "calibration_overdue": overdue}
                     for serial, overdue in flags), key=lambda f: f["sensor"])
    return {"sensors": listed,
            "calibration_overdue": any(f["calibration_overdue"] for f in listed)}


@blp.route("/sensors")
class Sensors(MethodView):
    @policy.rule("coldchain.read")
    @blp.response(200, SensorSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        stmt = select(Sensor).outerjoin(Location, Location.id == Sensor.location_id)
        allowed = scope.visible_warehouse_ids(current_user())
        if allowed is not None:
            stmt = stmt.where(Location.warehouse_id.in_(allowed))
        return stmt.order_by(Sensor.serial)

    @policy.rule("coldchain.write")
    @blp.arguments(SensorCreateSchema)
    @blp.response(201, SensorSchema)
    def post(self, data: dict):
        location = _location(data["location"]) if data["location"] else None
        sensor = sensors.register(db(), serial=data["serial"], model=data["model"],
                                  sampling_interval_s=data["sampling_interval_s"],
                                  location=location, at=data["at"])
        db().commit()
        return sensor


@blp.route("/sensors/<serial>")
class SensorBySerial(MethodView):
    @policy.rule("coldchain.read", on="sensor")
    @blp.response(200, SensorSchema)
    def get(self, serial: str):
        return _sensor(serial)


@blp.route("/sensors/<serial>/attachments")
class SensorAttachments(MethodView):
    @policy.rule("coldchain.write", on="sensor")
    @blp.arguments(AttachSchema)
    @blp.response(201, SensorSchema)
    def post(self, data: dict, serial: str):
        """Hang the sensor somewhere else (a logger moves from truck to truck)."""
        sensor = _sensor(serial)
        sensors.attach(db(), sensor, _location(data["location"]), at=data["at"])
        db().commit()
        return sensor


def _ingest(parsed: ParsedReadings, *, source: str, filename: str = "",
            fmt: str = "json") -> dict:
    _require_own_sensors(set(parsed.serials))
    if len(parsed) == 0 and parsed.errors:
        raise ValidationFailed({e.where or f"line {e.line}": [e.reason]
                                for e in parsed.errors[:200]},
                               detail=f"none of the {len(parsed.errors)} readings is usable")
    report = ingest_parsed(db(), parsed, source=source, filename=filename,
                           user_id=current_user().id,
                           max_skew_min=runtime().settings.reading_max_skew_min)
    db().commit()
    out = {**report.to_dict(), "format": fmt, "evaluation_job": None, "evaluation": "none"}
    if report.stored:
        out.update(_queue_evaluation(report.batch_id, sorted(report.windows)))
    return out


def _queue_evaluation(batch_id: int, sensor_ids: list[int]) -> dict:
    """Queue re-evaluation; readings are already stored, so a queue outage loses nothing."""
    try:
        job = start_job("coldchain.monitoring.evaluate:evaluation_job", {"sensor_ids": sensor_ids})
    except Exception:
        log.exception("could not queue evaluation of reading batch %s", batch_id)
        return {"evaluation": "pending: the job queue is unreachable; readings are stored"}
    batch = db().get(ReadingBatch, batch_id)
    batch.evaluation_job_id = job.id
    db().commit()
    return {"evaluation_job": job.id, "evaluation": job.status}


@blp.route("/readings")
class Readings(MethodView):
    @policy.rule("coldchain.write")
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": ReadingBatchSchema}}})
    @blp.response(200, IngestResultSchema)
    def post(self):
        """Store a gateway's batch (≤ 10,000 readings); bad readings are reported by index."""
        payload = request.get_json(silent=True)
        if payload is None:
            raise ValidationFailed({"body": ["send JSON: {\"readings\": [...]}"]})
        items = payload.get("readings") if isinstance(payload, dict) else payload
        if isinstance(items, list) and len(items) > MAX_BATCH:
            raise ValidationFailed({"readings": [f"at most {MAX_BATCH} readings per batch, "
                                                 f"got {len(items)}"]})
        try:
            parsed = normalise_json(payload)
        except ReadingFormatError as exc:
            raise ValidationFailed({"readings": [str(exc)]}) from exc
        return _ingest(parsed, source="json")


@blp.route("/readings/files")
class ReadingFiles(MethodView):
    @policy.rule("coldchain.write")
    @blp.arguments(ReadingFileSchema, location="form", content_type="multipart/form-data")
    @blp.response(200, IngestResultSchema)
    def post(self, options: dict):
        """Upload a logger export (CSV, or a Berlinger Q-tag text download) as ``file``."""
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed({"file": ["attach the logger file as form field 'file'"]})
        try:
            fmt, parsed = parse_logger_file(upload.read(), serial=options["serial"],
                                            tz=options["tz"], unit=options["unit"])
        except ReadingFormatError as exc:
            raise ValidationFailed({"file": [str(exc)]}) from exc
        return _ingest(parsed, source=fmt, filename=upload.filename or "", fmt=fmt)


@blp.route("/sensors/<serial>/readings")
class SensorReadings(MethodView):
    @policy.rule("coldchain.read", on="sensor")
    @blp.arguments(WindowQuerySchema, location="query")
    @blp.response(200, SeriesSchema)
    def get(self, args: dict, serial: str):
        """Readings over a window, thinned for a chart (each bucket's min and max kept)."""
        sensor = _sensor(serial)
        times, temps = series(db(), sensor.id, args["start"], args["end"])
        points = chart_points(times, temps, args["max_points"])
        flags = calibration.overdue_now(db(), {sensor.id},
                                        default_tz=runtime().settings.timezone)
        return {"sensor": serial, "count": int(times.size),
                "points": points, **_calibration_flags(flags.values())}


@blp.route("/locations/<code>/readings")
class LocationReadings(MethodView):
    @policy.rule("coldchain.read", on="location")
    @blp.arguments(WindowQuerySchema, location="query")
    @blp.response(200, SeriesSchema)
    def get(self, args: dict, code: str):
        """Readings of every sensor in a place (and below it) over a window, thinned."""
        location = _location(code)
        end = args["end"] or utcnow()
        start = args["start"] or end - timedelta(days=1)
        times, temps, _ = location_series(db(), location, start, end)
        points = chart_points(times, temps, args["max_points"])
        flags = calibration.overdue_now(db(), location_sensor_ids(db(), location, start, end),
                                        default_tz=runtime().settings.timezone)
        return {"sensor": None, "location": code, "count": int(times.size),
                "points": points, **_calibration_flags(flags.values())}


@blp.route("/findings")
class Findings(MethodView):
    @policy.rule("coldchain.read")
    @blp.arguments(FindingQuerySchema, location="query")
    @blp.response(200, FindingSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        stmt = (select(Finding).join(Sensor, Sensor.id == Finding.sensor_id)
                .join(Location, Location.id == Finding.location_id))
        stmt = scoped(stmt, Location.warehouse_id)
        if "location" in args:
            stmt = stmt.where(Location.code == args["location"])
        if "sensor" in args:
            stmt = stmt.where(Sensor.serial == args["sensor"])
        if "kind" in args:
            stmt = stmt.where(Finding.kind == args["kind"])
        if "alarmed" in args:
            stmt = stmt.where(Finding.alarm_at.is_not(None) if args["alarmed"]
                              else Finding.alarm_at.is_(None))
        return stmt.order_by(Finding.start.desc(), Finding.id)


@blp.route("/mkt")
class MeanKinetic(MethodView):
    @policy.rule("coldchain.read")
    @blp.arguments(MktQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "OK", "content": {
        "application/json": {"schema": MktSchema}}}})
    def get(self, args: dict):
        """Mean kinetic temperature of a location over a window, from its sensors' readings."""
        return mkt_report(db(), _location(args["location"]), args["start"], args["end"],
                          delta_h_kj=args["delta_h_kj"])


@blp.route("/alerts")
class Alerts(MethodView):
    @policy.rule("alerts.read")
    @blp.arguments(AlertQuerySchema, location="query")
    @blp.response(200, AlertSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        stmt = scoped(select(Alert), Alert.warehouse_id)
        if "kind" not in args:
            # a lot held by an excursion is listed with the excursion's alert
            stmt = stmt.where(Alert.parent_id.is_(None))
        if "status" in args:
            stmt = stmt.where(Alert.status == args["status"])
        if "kind" in args:
            stmt = stmt.where(Alert.kind == args["kind"])
        if "warehouse" in args:
            stmt = stmt.where(Alert.warehouse_id == warehouse_for_user(args["warehouse"]).id)
        return stmt.order_by(Alert.raised_at.desc(), Alert.id.desc())


def _alert(alert_id: int) -> Alert:
    return one_or_404(Alert, "alert", id=alert_id)


@blp.route("/alerts/<int:alert_id>/acknowledge")
class AcknowledgeAlert(MethodView):
    @policy.rule("alerts.acknowledge", on="alert")
    @blp.arguments(AckSchema)
    @blp.response(200, AlertSchema)
    def post(self, data: dict, alert_id: int):
        _alert(alert_id)
        alert = alerts.acknowledge(db(), alert_id, user_id=current_user().id,
                                   comment=data["comment"])
        db().commit()
        return alert


@blp.route("/alerts/<int:alert_id>/resolve")
class ResolveAlert(MethodView):
    @policy.rule("alerts.resolve", on="alert")
    @blp.arguments(ResolveSchema)
    @blp.response(200, AlertSchema)
    def post(self, data: dict, alert_id: int):
        """Close a place's alert, or release or scrap a held lot (both ledger moves); on an
        excursion's alert, every lot it held or those named in ``lots``, one by one."""
        _alert(alert_id)
        alert = alerts.resolve(db(), alert_id, user_id=current_user().id,
                               action=data["action"], comment=data["comment"],
                               lots=data["lots"])
        db().commit()
        return alert


@blp.route("/alerts/escalations")
class Escalations(MethodView):
    @policy.rule("checks.run")
    @blp.response(200, EscalationSchema)
    def post(self):
        """Escalate open alerts nobody acknowledged in time (run this every few minutes)."""
        after = timedelta(minutes=load_rules().escalate_after_min)
        count = alerts.escalate_overdue(db(), after=after)
        overdue = calibration.raise_overdue_alerts(db(), default_tz=runtime().settings.timezone)
        db().commit()
        return {"escalated": count, "after_min": after.total_seconds() / 60,
                "calibration_alerts": overdue}


@blp.route("/lots/<int:lot_id>/temperature")
class LotTemperature(MethodView):
    @policy.rule("coldchain.read", on="lot")
    @blp.arguments(WindowQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "OK", "content": {
        "application/json": {"schema": LotTemperatureSchema}}}})
    def get(self, args: dict, lot_id: int):
        """Where the lot was, what it felt there, the excursions it sat through, and the
        shelf life it has left by its product's kinetics."""
        lot = one_or_404(Lot, "lot", id=lot_id)
        found = history(db(), lot.id)
        codes = dict(db().execute(select(Location.id, Location.code).where(
            Location.id.in_({s.location_id for s in found.stints}
                            | {s.measured_by for s in found.stints if s.measured_by}))).all())
        # The nominal point at the reference temperature before the first reading ages
        # the shelf life; it is no reading and is not drawn.
        first = 1 if found.unmeasured_days > 0 else 0
        points = chart_points(found.times[first:], found.temps[first:], args["max_points"])
        flags = calibration.overdue_now(db(), set().union(*(s.sensor_ids for s in found.stints)),
                                        default_tz=runtime().settings.timezone)
        return {
            "lot": {"id": lot.id, "lot_code": lot.lot_code, "product": lot.product.sku,
                    "status": lot.status.value},
            "shelf_life": {**found.summary(), "reference_c": lot.product.ref_temp_c,
                           "model": lot.product.kinetics_model.value},
            "mkt_c": None if found.times.size == 0 else round(found.mkt_c(), 2),
            "places": [{"location": codes[s.location_id], "from": s.start.isoformat(),
                        "to": s.end.isoformat() if s.end else None,
                        "measured_at": codes.get(s.measured_by), "readings": s.readings,
                        **_calibration_flags(flags[i] for i in s.sensor_ids if i in flags)}
                       for s in found.stints],
            "calibration_overdue": any(overdue for _, overdue in flags.values()),
            "excursions": FindingSchema(many=True).dump(found.excursions),
            "events": _events(found.excursions),
            "points": points,
        }


def _events(findings) -> list[dict]:
    now = int(utcnow().timestamp())
    merged = merge_events(Span(f.location.code, f.direction, int(f.start.timestamp()),
                               int(f.end.timestamp()) if f.end else None, f.peak_c,
                               f.severity, f.rule, f.sensor.serial) for f in findings)
    stamp = lambda s: None if s is None else datetime.fromtimestamp(s, UTC).isoformat()  # noqa: E731
    return [{"location": e.place, "direction": e.direction, "start": stamp(e.start),
             "end": stamp(e.end), "duration_min": round(e.duration_s(now) / 60),
             "peak_c": e.peak_c, "severity": e.severity, "rules": list(e.rules),
             "sensors": list(e.sensors), "findings": e.findings} for e in merged]


# --- calibration and the daily temperature record (GB 31605-2020) ---------------------

def _calibration_json(row, serial: str, people: dict[int, str]) -> dict:
    return {"id": row.id, "sensor": serial, "certificate": row.certificate,
            "calibrated_on": row.calibrated_on, "due_on": row.due_on,
            "calibrated_by": row.calibrated_by, "recorded_by": people.get(row.recorded_by),
            "recorded_at": row.recorded_at}


@blp.route("/sensors/<serial>/calibrations")
class SensorCalibrations(MethodView):
    @policy.rule("coldchain.read", on="sensor")
    @blp.response(200, CalibrationHistorySchema)
    def get(self, serial: str):
        """The calibration in force and every earlier one (newest first)."""
        sensor = _sensor(serial)
        rows = calibration.history(db(), sensor.id)
        people = dict(db().execute(select(User.id, User.username).where(
            User.id.in_({r.recorded_by for r in rows if r.recorded_by}))).all())
        today = calibration.local_today(db(), sensor, runtime().settings.timezone)
        state = calibration.status_of(rows[0] if rows else None, today,
                                      due_soon_days=load_rules().calibration_due_soon_days)
        return {"sensor": serial, "calibration": state.to_dict(),
                "history": [_calibration_json(r, serial, people) for r in rows]}

    @policy.rule("coldchain.write", on="sensor")
    @blp.arguments(CalibrationCreateSchema)
    @blp.response(201, CalibrationSchema)
    @blp.alt_response(409, description="that certificate is already recorded for the sensor")
    def post(self, data: dict, serial: str):
        """Record a calibration (certificate, date, next due date, by whom); never changed."""
        sensor = _sensor(serial)
        user = current_user()
        row = calibration.record(
            db(), sensor, user_id=user.id,
            today=calibration.local_today(db(), sensor, runtime().settings.timezone), **data)
        db().commit()
        return _calibration_json(row, serial, {user.id: user.username})


@blp.route("/records/daily")
class DailyRecord(MethodView):
    @policy.rule("coldchain.read")
    @blp.arguments(DailyRecordQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "OK", "content": {
        "application/json": {"schema": DailyRecordSchema}}}})
    def get(self, args: dict):
        """The daily temperature record of a cold room or vehicle (compartment) for a local
        day: per sensor min/max/mean, readings and coverage with its calibration; the
        excursions with who acknowledged them."""
        return daily_record(db(), _location(args["location"]), args["date"])


@blp.route("/records/daily.csv")
class DailyRecordCsv(MethodView):
    @policy.rule("coldchain.read")
    @blp.arguments(DailyRecordQuerySchema, location="query")
    @blp.response(200, {"type": "string", "description": "comma-separated, with a header row"},
                  content_type="text/csv")
    def get(self, args: dict):
        """The daily temperature record as CSV: a line per sensor, then per excursion."""
        record = daily_record(db(), _location(args["location"]), args["date"])
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: csv_safety.cell(v) for k, v in r.items()} for r in csv_rows(record))
        name = f"temperature-record-{record['location']}-{record['date']}.csv"
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
