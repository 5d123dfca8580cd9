"""sensor calibrations and probe temperatures at receipt

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sensor_calibration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("certificate", sa.String(length=80), nullable=False),
        sa.Column("calibrated_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("calibrated_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sensor_id"], ["sensor.id"],
                                name=op.f("fk_sensor_calibration_sensor_id_sensor")),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"],
                                name=op.f("fk_sensor_calibration_recorded_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor_calibration")),
    )
    op.create_index(op.f("ix_sensor_calibration_sensor_id"), "sensor_calibration",
                    ["sensor_id"], unique=False)
    op.create_table(
        "receipt_probe",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("move_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("probe_temp_c", sa.Float(), nullable=False),
        sa.Column("limit_c", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("measured_by", sa.Integer(), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["move_id"], ["stock_move.id"],
                                name=op.f("fk_receipt_probe_move_id_stock_move")),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_receipt_probe_lot_id_lot")),
        sa.ForeignKeyConstraint(["measured_by"], ["app_user.id"],
                                name=op.f("fk_receipt_probe_measured_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_probe")),
        sa.UniqueConstraint("move_id", name=op.f("uq_receipt_probe_move_id")),
    )
    op.create_index(op.f("ix_receipt_probe_lot_id"), "receipt_probe", ["lot_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_receipt_probe_lot_id"), table_name="receipt_probe")
    op.drop_table("receipt_probe")
    op.drop_index(op.f("ix_sensor_calibration_sensor_id"), table_name="sensor_calibration")
    op.drop_table("sensor_calibration")
