"""stock ledger, balances, idempotency keys, orders and reservations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:01:53.142171
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

# The ledger is append-only: corrections are reversing moves. The database refuses any
# UPDATE or DELETE of a move, whatever the code (or a person at a SQL prompt) tries.
PG_APPEND_ONLY = """
CREATE FUNCTION stock_move_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_move is append-only: write a reversing move instead';
END $$;
CREATE TRIGGER stock_move_append_only BEFORE UPDATE OR DELETE ON stock_move
    FOR EACH ROW EXECUTE FUNCTION stock_move_append_only();
"""
SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER stock_move_no_{verb.lower()} BEFORE {verb} ON stock_move
    BEGIN SELECT RAISE(ABORT, 'stock_move is append-only: write a reversing move instead');
    END"""
    for verb in ("UPDATE", "DELETE")
]

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "placed",
                "partial",
                "allocated",
                "picked",
                "loaded",
                "delivered",
                "collected",
                "cancelled",
                name="order_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_customer_order_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["pickup_point_id"],
            ["pickup_point.id"],
            name=op.f("fk_customer_order_pickup_point_id_pickup_point"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouse.id"],
            name=op.f("fk_customer_order_warehouse_id_warehouse"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_order")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_customer_order_external_ref")),
    )
    op.create_index(
        "ix_customer_order_warehouse_date",
        "customer_order",
        ["warehouse_id", "delivery_date"],
        unique=False,
    )
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_idempotency_key_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_key_user_id_key")),
    )
    op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("handed_over", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "allocated + handed_over <= quantity", name=op.f("ck_order_line_within_quantity")
        ),
        sa.CheckConstraint(
            "allocated >= 0 AND handed_over >= 0", name=op.f("ck_order_line_counts_nonneg")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["customer_order.id"], name=op.f("fk_order_line_order_id_customer_order")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_order_line_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_line")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_order_line_order_id_line_no")),
    )
    op.create_index(op.f("ix_order_line_order_id"), "order_line", ["order_id"], unique=False)
    op.create_table(
        "stock_balance",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_stock_balance_on_hand_nonneg")),
        sa.CheckConstraint(
            "reserved <= on_hand", name=op.f("ck_stock_balance_reserved_within_on_hand")
        ),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_stock_balance_reserved_nonneg")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_stock_balance_location_id_location")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_stock_balance_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_stock_balance_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_stock_balance_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("location_id", "lot_id", name=op.f("pk_stock_balance")),
    )
    op.create_index("ix_stock_balance_lot_id", "stock_balance", ["lot_id"], unique=False)
    op.create_index(
        "ix_stock_balance_product_warehouse",
        "stock_balance",
        ["product_id", "warehouse_id"],
        unique=False,
    )
    op.create_table(
        "reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservation_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_reservation_location_id_location")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_reservation_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["customer_order.id"], name=op.f("fk_reservation_order_id_customer_order")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_reservation_order_line_id_order_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation")),
        sa.UniqueConstraint(
            "order_line_id",
            "lot_id",
            "location_id",
            name=op.f("uq_reservation_order_line_id_lot_id_location_id"),
        ),
    )
    op.create_index(
        "ix_reservation_location_lot", "reservation", ["location_id", "lot_id"], unique=False
    )
    op.create_index(op.f("ix_reservation_order_id"), "reservation", ["order_id"], unique=False)
    op.create_table(
        "stock_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "receipt",
                "putaway",
                "transfer",
                "pick",
                "load",
                "deliver",
                "handover",
                "adjust",
                "scrap",
                "hold",
                "release",
                "reversal",
                name="move_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("from_location_id", sa.Integer(), nullable=True),
        sa.Column("to_location_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("raw_scan", sa.Text(), nullable=True),
        sa.Column("net_weight_kg", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.CheckConstraint(
            "from_location_id IS NOT NULL OR to_location_id IS NOT NULL",
            name=op.f("ck_stock_move_has_a_location"),
        ),
        sa.CheckConstraint(
            "from_location_id IS NULL OR to_location_id IS NULL OR from_location_id <> to_location_id",
            name=op.f("ck_stock_move_moves_somewhere"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_move_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_stock_move_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["from_location_id"],
            ["location.id"],
            name=op.f("fk_stock_move_from_location_id_location"),
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_stock_move_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["customer_order.id"], name=op.f("fk_stock_move_order_id_customer_order")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_stock_move_order_line_id_order_line"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_stock_move_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["stock_move.id"], name=op.f("fk_stock_move_reverses_id_stock_move")
        ),
        sa.ForeignKeyConstraint(
            ["to_location_id"], ["location.id"], name=op.f("fk_stock_move_to_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_stock_move_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_move")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_stock_move_reverses_id")),
    )
    op.create_index(
        "ix_stock_move_from_created", "stock_move", ["from_location_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_stock_move_lot_created", "stock_move", ["lot_id", "created_at"], unique=False
    )
    op.create_index("ix_stock_move_order_id", "stock_move", ["order_id"], unique=False)
    op.create_index(
        "ix_stock_move_product_created", "stock_move", ["product_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_stock_move_to_created", "stock_move", ["to_location_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_stock_move_warehouse_created",
        "stock_move",
        ["warehouse_id", "created_at"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
    else:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_stock_move_warehouse_created", table_name="stock_move")
    op.drop_index("ix_stock_move_to_created", table_name="stock_move")
    op.drop_index("ix_stock_move_product_created", table_name="stock_move")
    op.drop_index("ix_stock_move_order_id", table_name="stock_move")
    op.drop_index("ix_stock_move_lot_created", table_name="stock_move")
    op.drop_index("ix_stock_move_from_created", table_name="stock_move")
    op.drop_table("stock_move")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION stock_move_append_only()")
    op.drop_index(op.f("ix_reservation_order_id"), table_name="reservation")
    op.drop_index("ix_reservation_location_lot", table_name="reservation")
    op.drop_table("reservation")
    op.drop_index("ix_stock_balance_product_warehouse", table_name="stock_balance")
    op.drop_index("ix_stock_balance_lot_id", table_name="stock_balance")
    op.drop_table("stock_balance")
    op.drop_index(op.f("ix_order_line_order_id"), table_name="order_line")
    op.drop_table("order_line")
    op.drop_table("idempotency_key")
    op.drop_index("ix_customer_order_warehouse_date", table_name="customer_order")
    op.drop_table("customer_order")
