"""repacking with lot lineage; GLNs of warehouses and locations

Revision ID: 0018_repack
Revises: 0017_documents
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0018_repack"
down_revision = "0017_documents"
branch_labels = None
depends_on = None

OLD_KINDS = ("receipt", "putaway", "transfer", "pick", "load", "deliver", "handover",
             "adjust", "scrap", "hold", "release", "reversal", "return")
NEW_KINDS = (*OLD_KINDS, "repack_consume", "repack_produce")
CONSTRAINT = "ck_stock_move_move_kind"


def _in_list(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _swap_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        op.execute(f"ALTER TABLE stock_move DROP CONSTRAINT {CONSTRAINT}, "
                   f"ADD CONSTRAINT {CONSTRAINT} CHECK ({_in_list(new)})")
        return
    # As in 0009: a CHECK that lists more values changes nothing stored, and rebuilding
    # the ledger table would need foreign keys off inside the migration's transaction.
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                               "AND name = 'stock_move'").scalar()
    before, after = f"CHECK ({_in_list(old)})", f"CHECK ({_in_list(new)})"
    if before not in sql:
        raise RuntimeError(f"stock_move: expected the constraint {before!r} in its schema")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' "
                         "AND name = 'stock_move'", (sql.replace(before, after),))
    conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _swap_kinds(OLD_KINDS, NEW_KINDS)
    op.add_column("warehouse", sa.Column("gln", sa.String(length=13), nullable=True))
    op.add_column("location", sa.Column("gln", sa.String(length=13), nullable=True))
    op.create_table(
        "repack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.Enum("repack", "initial_packing", name="repack_kind",
                                  native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("input_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("output_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("loss_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("yield_pct", sa.Float(), nullable=False),
        sa.Column("loss_reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("output_kg <= input_kg", name=op.f("ck_repack_mass_balance")),
        sa.CheckConstraint("loss_kg >= 0", name=op.f("ck_repack_loss_nonneg")),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"],
                                name=op.f("fk_repack_actor_id_app_user")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_repack_location_id_location")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"],
                                name=op.f("fk_repack_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repack")),
        sa.UniqueConstraint("ref", name=op.f("uq_repack_ref")),
    )
    op.create_index(op.f("ix_repack_warehouse_id"), "repack", ["warehouse_id"])
    op.create_table(
        "repack_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repack_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("move_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("role IN ('input', 'output')", name=op.f("ck_repack_line_role")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_repack_line_quantity_positive")),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_repack_line_lot_id_lot")),
        sa.ForeignKeyConstraint(["move_id"], ["stock_move.id"],
                                name=op.f("fk_repack_line_move_id_stock_move")),
        sa.ForeignKeyConstraint(["repack_id"], ["repack.id"],
                                name=op.f("fk_repack_line_repack_id_repack")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repack_line")),
        sa.UniqueConstraint("move_id", name=op.f("uq_repack_line_move_id")),
    )
    op.create_index(op.f("ix_repack_line_repack_id"), "repack_line", ["repack_id"])
    op.create_index(op.f("ix_repack_line_lot_id"), "repack_line", ["lot_id"])
    op.create_table(
        "lot_lineage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repack_id", sa.Integer(), nullable=False),
        sa.Column("input_lot_id", sa.Integer(), nullable=False),
        sa.Column("output_lot_id", sa.Integer(), nullable=False),
        sa.Column("input_quantity", sa.Integer(), nullable=False),
        sa.Column("output_quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("input_lot_id <> output_lot_id", name=op.f("ck_lot_lineage_not_itself")),
        sa.ForeignKeyConstraint(["input_lot_id"], ["lot.id"],
                                name=op.f("fk_lot_lineage_input_lot_id_lot")),
        sa.ForeignKeyConstraint(["output_lot_id"], ["lot.id"],
                                name=op.f("fk_lot_lineage_output_lot_id_lot")),
        sa.ForeignKeyConstraint(["repack_id"], ["repack.id"],
                                name=op.f("fk_lot_lineage_repack_id_repack")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_lineage")),
        sa.UniqueConstraint("repack_id", "input_lot_id", "output_lot_id",
                            name=op.f("uq_lot_lineage_repack_id_input_lot_id_output_lot_id")),
    )
    op.create_index(op.f("ix_lot_lineage_repack_id"), "lot_lineage", ["repack_id"])
    op.create_index(op.f("ix_lot_lineage_input_lot_id"), "lot_lineage", ["input_lot_id"])
    op.create_index(op.f("ix_lot_lineage_output_lot_id"), "lot_lineage", ["output_lot_id"])


def downgrade() -> None:
    used = op.get_bind().exec_driver_sql(
        "SELECT COUNT(*) FROM stock_move WHERE kind IN ('repack_consume', 'repack_produce')"
    ).scalar()
    if used:
        raise RuntimeError(f"{used} repack moves are in the ledger, which is append-only; "
                           "this downgrade would have to delete them")
    op.drop_table("lot_lineage")
    op.drop_table("repack_line")
    op.drop_table("repack")
    # Plain drops: a batch rebuild of location or warehouse fails on SQLite while other
    # tables' rows point at them.
    op.drop_column("location", "gln")
    op.drop_column("warehouse", "gln")
    _swap_kinds(NEW_KINDS, OLD_KINDS)
