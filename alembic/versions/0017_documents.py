"""certificates and lab results on lots and suppliers; the certificates a product needs

Revision ID: 0017_documents
Revises: 0016_outbox
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0017_documents"
down_revision = "0016_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("organic", "origin", "inspection", "pesticide_residue",
                                  name="document_kind", native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("issuer", sa.String(length=160), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("analyte", sa.String(length=80), nullable=True),
        sa.Column("result", sa.Float(), nullable=True),
        sa.Column("limit", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(lot_id IS NULL) <> (supplier_id IS NULL)",
                           name=op.f("ck_document_one_owner")),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from",
                           name=op.f("ck_document_valid_order")),
        sa.CheckConstraint("size > 0", name=op.f("ck_document_size_positive")),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_document_lot_id_lot")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"],
                                name=op.f("fk_document_supplier_id_supplier")),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"],
                                name=op.f("fk_document_uploaded_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    op.create_index(op.f("ix_document_lot_id"), "document", ["lot_id"])
    op.create_index(op.f("ix_document_supplier_id"), "document", ["supplier_id"])
    op.create_index(op.f("ix_document_sha256"), "document", ["sha256"])
    # Plain ADD COLUMN: a batch rebuild of product would fail on its rows (lots point to it).
    op.add_column("product", sa.Column("required_certificates", sa.String(length=120),
                                       nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("product", "required_certificates")
    op.drop_index(op.f("ix_document_sha256"), table_name="document")
    op.drop_index(op.f("ix_document_supplier_id"), table_name="document")
    op.drop_index(op.f("ix_document_lot_id"), table_name="document")
    op.drop_table("document")
