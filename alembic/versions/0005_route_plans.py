"""route plans, routes, stops and deliveries

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "route_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "superseded",
                name="route_plan_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_limit_s", sa.Float(), nullable=False),
        sa.Column("solver_status", sa.String(length=20), nullable=False),
        sa.Column("stops_total", sa.Integer(), nullable=False),
        sa.Column("total_cost", sa.Float(), nullable=False),
        sa.Column("total_distance_km", sa.Float(), nullable=False),
        sa.Column("vehicles_used", sa.Integer(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.CheckConstraint("version > 0", name=op.f("ck_route_plan_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_route_plan_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["app_user.id"], name=op.f("fk_route_plan_published_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_route_plan_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_plan")),
        sa.UniqueConstraint(
            "warehouse_id",
            "delivery_date",
            "version",
            name=op.f("uq_route_plan_warehouse_id_delivery_date_version"),
        ),
    )
    op.create_table(
        "route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("start_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=False),
        sa.Column("end_s", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("loads", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "loading",
                "started",
                "completed",
                name="route_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["app_user.id"], name=op.f("fk_route_driver_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["route_plan.id"], name=op.f("fk_route_plan_id_route_plan")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_route_vehicle_id_vehicle")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_route_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route")),
    )
    op.create_index(op.f("ix_route_driver_id"), "route", ["driver_id"], unique=False)
    op.create_index(op.f("ix_route_plan_id"), "route", ["plan_id"], unique=False)
    op.create_index(
        "ix_route_warehouse_date", "route", ["warehouse_id", "delivery_date"], unique=False
    )

    op.create_table(
        "unassigned_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("stop_key", sa.String(length=60), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("demand", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pickup_point_id"],
            ["pickup_point.id"],
            name=op.f("fk_unassigned_stop_pickup_point_id_pickup_point"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["route_plan.id"], name=op.f("fk_unassigned_stop_plan_id_route_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unassigned_stop")),
    )
    op.create_index(
        op.f("ix_unassigned_stop_plan_id"), "unassigned_stop", ["plan_id"], unique=False
    )

    op.create_table(
        "route_plan_route",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["route_plan.id"], name=op.f("fk_route_plan_route_plan_id_route_plan")
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["route.id"], name=op.f("fk_route_plan_route_route_id_route")
        ),
        sa.PrimaryKeyConstraint("plan_id", "route_id", name=op.f("pk_route_plan_route")),
    )
    op.create_index(
        op.f("ix_route_plan_route_route_id"), "route_plan_route", ["route_id"], unique=False
    )

    op.create_table(
        "route_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stop_key", sa.String(length=60), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("arrival_s", sa.Integer(), nullable=False),
        sa.Column("service_start_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=False),
        sa.Column("since_departure_s", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "exceptions",
                name="route_stop_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("seq > 0", name=op.f("ck_route_stop_seq_positive")),
        sa.ForeignKeyConstraint(
            ["pickup_point_id"],
            ["pickup_point.id"],
            name=op.f("fk_route_stop_pickup_point_id_pickup_point"),
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["route.id"], name=op.f("fk_route_stop_route_id_route")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_stop")),
        sa.UniqueConstraint("route_id", "seq", name=op.f("uq_route_stop_route_id_seq")),
    )
    op.create_table(
        "route_stop_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("temp_class", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_route_stop_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_order.id"],
            name=op.f("fk_route_stop_line_order_id_customer_order"),
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_route_stop_line_order_line_id_order_line"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_route_stop_line_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"], ["route_stop.id"], name=op.f("fk_route_stop_line_stop_id_route_stop")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_stop_line")),
        sa.UniqueConstraint(
            "stop_id", "order_line_id", name=op.f("uq_route_stop_line_stop_id_order_line_id")
        ),
    )
    op.create_index(
        op.f("ix_route_stop_line_order_line_id"), "route_stop_line", ["order_line_id"], unique=False
    )

    op.create_table(
        "stop_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("short", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("damaged", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "delivered >= 0 AND short >= 0 AND refused >= 0 AND damaged >= 0",
            name=op.f("ck_stop_delivery_counts_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_stop_delivery_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_stop_delivery_order_line_id_order_line"),
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["route.id"], name=op.f("fk_stop_delivery_route_id_route")
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"], ["route_stop.id"], name=op.f("fk_stop_delivery_stop_id_route_stop")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stop_delivery")),
        sa.UniqueConstraint(
            "stop_id", "order_line_id", name=op.f("uq_stop_delivery_stop_id_order_line_id")
        ),
    )
    op.create_index(op.f("ix_stop_delivery_route_id"), "stop_delivery", ["route_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stop_delivery_route_id"), table_name="stop_delivery")

    op.drop_table("stop_delivery")
    op.drop_index(op.f("ix_route_stop_line_order_line_id"), table_name="route_stop_line")

    op.drop_table("route_stop_line")
    op.drop_table("route_stop")
    op.drop_index(op.f("ix_route_plan_route_route_id"), table_name="route_plan_route")

    op.drop_table("route_plan_route")
    op.drop_index(op.f("ix_unassigned_stop_plan_id"), table_name="unassigned_stop")

    op.drop_table("unassigned_stop")
    op.drop_index("ix_route_warehouse_date", table_name="route")
    op.drop_index(op.f("ix_route_plan_id"), table_name="route")
    op.drop_index(op.f("ix_route_driver_id"), table_name="route")

    op.drop_table("route")
    op.drop_table("route_plan")
