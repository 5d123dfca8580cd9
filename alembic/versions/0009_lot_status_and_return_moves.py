"""lot statuses quarantine and expired, return moves, the witness of a scrap

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_STATUSES = ("available", "hold", "recalled", "spoiled")
NEW_STATUSES = ("available", "hold", "quarantine", "recalled", "spoiled", "expired")
OLD_KINDS = ("receipt", "putaway", "transfer", "pick", "load", "deliver", "handover",
             "adjust", "scrap", "hold", "release", "reversal")
NEW_KINDS = (*OLD_KINDS, "return")
# (table, constraint, column): the CHECK constraints that list the values of an enum.
CHECKS = {
    "status": [("lot", "ck_lot_lot_status", "status"),
               ("lot_recall", "ck_lot_recall_lot_recall_previous_status", "previous_status")],
    "kind": [("stock_move", "ck_stock_move_move_kind", "kind")],
}


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _sqlite_swap(table: str, old: str, new: str) -> None:
    # Rebuilding these tables on SQLite would need foreign keys switched off, which cannot
    # happen inside the migration's transaction; a CHECK that lists more values changes
    # nothing stored, and SQLite documents editing the schema text for exactly such a
    # change (https://sqlite.org/lang_altertable.html, "otheralter").
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
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, name, column in CHECKS[which]:
        if sqlite:
            _sqlite_swap(table, f"CHECK ({_in_list(column, old_values)})",
                         f"CHECK ({_in_list(column, new_values)})")
        else:
            # Plain SQL: the names are final already (op.drop_constraint would apply the
            # naming convention to them a second time).
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} "
                       f"CHECK ({_in_list(column, new_values)})")


def upgrade() -> None:
    _swap("status", OLD_STATUSES, NEW_STATUSES)
    _swap("kind", OLD_KINDS, NEW_KINDS)
    op.add_column("stock_move", sa.Column("witnessed_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    conn = op.get_bind()
    used = conn.exec_driver_sql(
        "SELECT (SELECT COUNT(*) FROM stock_move WHERE kind = 'return') + "
        "(SELECT COUNT(*) FROM lot WHERE status IN ('quarantine', 'expired')) + "
        "(SELECT COUNT(*) FROM lot_recall WHERE previous_status IN ('quarantine', 'expired'))"
    ).scalar()
    if used:
        # The ledger is append-only: return moves cannot be rewritten as something else.
        raise RuntimeError("return moves or quarantined/expired lots exist; this database "
                           "cannot go back below revision 0009")
    if conn.dialect.name == "sqlite":
        with op.batch_alter_table("stock_move", recreate="never") as batch:
            batch.drop_column("witnessed_by")
    else:
        op.drop_column("stock_move", "witnessed_by")
    _swap("kind", NEW_KINDS, OLD_KINDS)
    _swap("status", NEW_STATUSES, OLD_STATUSES)
