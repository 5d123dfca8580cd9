"""sensors, readings, findings and alerts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:02:21.323757
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sensor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("sampling_interval_s", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_sensor_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor")),
        sa.UniqueConstraint("serial", name=op.f("uq_sensor_serial")),
    )
    op.create_index(op.f("ix_sensor_location_id"), "sensor", ["location_id"], unique=False)
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "excursion",
                "gap",
                name="finding_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("threshold_c", sa.Float(), nullable=True),
        sa.Column("delay_min", sa.Float(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alarm_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("peak_c", sa.Float(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("degree_minutes", sa.Float(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_finding_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"], ["sensor.id"], name=op.f("fk_finding_sensor_id_sensor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    op.create_index(op.f("ix_finding_location_id"), "finding", ["location_id"], unique=False)
    op.create_index("ix_finding_sensor_start", "finding", ["sensor_id", "start"], unique=False)
    op.create_table(
        "reading",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("temp_c", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sensor_id"], ["sensor.id"], name=op.f("fk_reading_sensor_id_sensor")
        ),
        sa.PrimaryKeyConstraint("sensor_id", "ts", name=op.f("pk_reading")),
    )
    op.create_table(
        "sensor_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_sensor_attachment_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"], ["sensor.id"], name=op.f("fk_sensor_attachment_sensor_id_sensor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor_attachment")),
    )
    op.create_index(
        op.f("ix_sensor_attachment_location_id"), "sensor_attachment", ["location_id"], unique=False
    )
    op.create_index(
        op.f("ix_sensor_attachment_sensor_id"), "sensor_attachment", ["sensor_id"], unique=False
    )
    op.create_table(
        "reading_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("sensor_ids", sa.JSON(), nullable=False),
        sa.Column("evaluation_job_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["received_by"], ["app_user.id"], name=op.f("fk_reading_batch_received_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_batch")),
    )
    op.create_index(
        op.f("ix_reading_batch_evaluation_job_id"),
        "reading_batch",
        ["evaluation_job_id"],
        unique=False,
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "acknowledged",
                "escalated",
                "resolved",
                name="alert_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("finding_key", sa.String(length=120), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_comment", sa.Text(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=False),
        sa.Column("resolution_comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["app_user.id"], name=op.f("fk_alert_acknowledged_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["finding.id"],
            name=op.f("fk_alert_finding_id_finding"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_alert_location_id_location")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_alert_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["app_user.id"], name=op.f("fk_alert_resolved_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_alert_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    op.create_index(op.f("ix_alert_finding_key"), "alert", ["finding_key"], unique=False)
    op.create_index(op.f("ix_alert_lot_id"), "alert", ["lot_id"], unique=False)
    op.create_index(op.f("ix_alert_status"), "alert", ["status"], unique=False)
    op.create_index(op.f("ix_alert_warehouse_id"), "alert", ["warehouse_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_warehouse_id"), table_name="alert")
    op.drop_index(op.f("ix_alert_status"), table_name="alert")
    op.drop_index(op.f("ix_alert_lot_id"), table_name="alert")
    op.drop_index(op.f("ix_alert_finding_key"), table_name="alert")
    op.drop_table("alert")
    op.drop_index(op.f("ix_reading_batch_evaluation_job_id"), table_name="reading_batch")
    op.drop_table("reading_batch")
    op.drop_index(op.f("ix_sensor_attachment_sensor_id"), table_name="sensor_attachment")
    op.drop_index(op.f("ix_sensor_attachment_location_id"), table_name="sensor_attachment")
    op.drop_table("sensor_attachment")
    op.drop_table("reading")
    op.drop_index("ix_finding_sensor_start", table_name="finding")
    op.drop_index(op.f("ix_finding_location_id"), table_name="finding")
    op.drop_table("finding")
    op.drop_index(op.f("ix_sensor_location_id"), table_name="sensor")
    op.drop_table("sensor")
