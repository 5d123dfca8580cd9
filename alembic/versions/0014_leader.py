"""group leaders and their pickup points, pickup codes, receipts and disputes, day-end
counts, return requests

Revision ID: 0014_leader
Revises: 0013
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0014_leader"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_ROLES = ("admin", "staff", "dispatcher", "driver", "buyer")
NEW_ROLES = (*OLD_ROLES, "leader")
OLD_SCOPES = ("signin-user", "signin-address", "token-address")
NEW_SCOPES = (*OLD_SCOPES, "pickup-code")
CHECKS = {
    "role": ("app_user", "ck_app_user_user_role", "role"),
    "scope": ("auth_failure", "ck_auth_failure_throttle_scope", "scope"),
}
TEMP = ("frozen", "chilled", "ambient")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _sqlite_swap(table: str, old: str, new: str) -> None:
    # As in revision 0009: rebuilding tables with rows needs foreign keys off, which cannot
    # happen inside the migration's transaction; a CHECK that lists more values changes
    # nothing stored.
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                               "AND name = ?", (table,)).scalar()
    if old not in sql:
        raise RuntimeError(f"{table}: expected the constraint {old!r} in its schema")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                         (sql.replace(old, new), table))
    conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _swap(which: str, old_values: tuple[str, ...], new_values: tuple[str, ...]) -> None:
    table, name, column = CHECKS[which]
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_swap(table, f"CHECK ({_in_list(column, old_values)})",
                     f"CHECK ({_in_list(column, new_values)})")
    else:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} "
                   f"CHECK ({_in_list(column, new_values)})")


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    _swap("role", OLD_ROLES, NEW_ROLES)
    _swap("scope", OLD_SCOPES, NEW_SCOPES)
    op.create_table(
        "leader_pickup_point",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_leader_pickup_point_user_id_app_user")),
        sa.ForeignKeyConstraint(["pickup_point_id"], ["pickup_point.id"],
                                name=op.f("fk_leader_pickup_point_pickup_point_id_pickup_point")),
        sa.PrimaryKeyConstraint("user_id", "pickup_point_id", name=op.f("pk_leader_pickup_point")),
    )
    op.create_index(op.f("ix_leader_pickup_point_pickup_point_id"), "leader_pickup_point",
                    ["pickup_point_id"])
    op.create_table(
        "pickup_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["customer_order.id"],
                                name=op.f("fk_pickup_code_order_id_customer_order")),
        sa.ForeignKeyConstraint(["pickup_point_id"], ["pickup_point.id"],
                                name=op.f("fk_pickup_code_pickup_point_id_pickup_point")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_code")),
        sa.UniqueConstraint("order_id", name=op.f("uq_pickup_code_order_id")),
    )
    op.create_index("ix_pickup_code_point_code", "pickup_code", ["pickup_point_id", "code"])
    op.create_table(
        "pickup_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("state", _enum("confirmed", "disputed", name="receipt_state"),
                  nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pickup_point_id"], ["pickup_point.id"],
                                name=op.f("fk_pickup_receipt_pickup_point_id_pickup_point")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"],
                                name=op.f("fk_pickup_receipt_warehouse_id_warehouse")),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"],
                                name=op.f("fk_pickup_receipt_actor_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_receipt")),
        sa.UniqueConstraint("route_id", "pickup_point_id",
                            name=op.f("uq_pickup_receipt_route_id_pickup_point_id")),
    )
    op.create_index(op.f("ix_pickup_receipt_pickup_point_id"), "pickup_receipt",
                    ["pickup_point_id"])
    op.create_index(op.f("ix_pickup_receipt_warehouse_id"), "pickup_receipt", ["warehouse_id"])
    op.create_table(
        "pickup_receipt_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("received >= 0 AND received <= delivered",
                           name=op.f("ck_pickup_receipt_line_received_range")),
        sa.ForeignKeyConstraint(["receipt_id"], ["pickup_receipt.id"],
                                name=op.f("fk_pickup_receipt_line_receipt_id_pickup_receipt")),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name=op.f("fk_pickup_receipt_line_order_line_id_order_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_receipt_line")),
    )
    op.create_index(op.f("ix_pickup_receipt_line_receipt_id"), "pickup_receipt_line",
                    ["receipt_id"])
    op.create_table(
        "pickup_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("count_date", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("counted >= 0 AND expected >= 0",
                           name=op.f("ck_pickup_count_counts_nonneg")),
        sa.ForeignKeyConstraint(["pickup_point_id"], ["pickup_point.id"],
                                name=op.f("fk_pickup_count_pickup_point_id_pickup_point")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_pickup_count_product_id_product")),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"],
                                name=op.f("fk_pickup_count_actor_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_count")),
    )
    op.create_index(op.f("ix_pickup_count_pickup_point_id"), "pickup_count",
                    ["pickup_point_id"])
    op.create_table(
        "return_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("temp_class", _enum(*TEMP, name="return_temp_class"), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("status", _enum("open", "planned", "returned", "cancelled",
                                  name="return_request_status"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_return_request_quantity_positive")),
        sa.ForeignKeyConstraint(["pickup_point_id"], ["pickup_point.id"],
                                name=op.f("fk_return_request_pickup_point_id_pickup_point")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"],
                                name=op.f("fk_return_request_warehouse_id_warehouse")),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_return_request_lot_id_lot")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_return_request_product_id_product")),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name=op.f("fk_return_request_order_line_id_order_line")),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"],
                                name=op.f("fk_return_request_actor_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_request")),
    )
    op.create_index(op.f("ix_return_request_pickup_point_id"), "return_request",
                    ["pickup_point_id"])
    op.create_index(op.f("ix_return_request_warehouse_id"), "return_request", ["warehouse_id"])
    op.create_index("ix_return_request_status", "return_request", ["warehouse_id", "status"])


def downgrade() -> None:
    conn = op.get_bind()
    if conn.exec_driver_sql("SELECT COUNT(*) FROM app_user WHERE role = 'leader'").scalar():
        raise RuntimeError("group leaders exist; this database cannot go back below 0014")
    for table in ("return_request", "pickup_count", "pickup_receipt_line", "pickup_receipt",
                  "pickup_code", "leader_pickup_point"):
        op.drop_table(table)
    conn.exec_driver_sql("DELETE FROM auth_failure WHERE scope = 'pickup-code'")
    _swap("scope", NEW_SCOPES, OLD_SCOPES)
    _swap("role", NEW_ROLES, OLD_ROLES)
