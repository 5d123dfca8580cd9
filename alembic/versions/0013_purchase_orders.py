"""purchase orders, advance shipping notices, receipts and rejections against them

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('purchase_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=False),
    sa.Column('window_start', sa.Time(), nullable=False),
    sa.Column('window_end', sa.Time(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('draft', 'sent', 'partially_received', 'received', 'closed', 'cancelled', name='po_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('close_reason', sa.Text(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_receipt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_receipt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('window_start < window_end', name=op.f('ck_purchase_order_window_order')),
    sa.ForeignKeyConstraint(['buyer_id'], ['app_user.id'], name=op.f('fk_purchase_order_buyer_id_app_user')),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_purchase_order_supplier_id_supplier')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_purchase_order_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order')),
    sa.UniqueConstraint('ref', name=op.f('uq_purchase_order_ref'))
    )
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_expected_date'), ['expected_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('purchase_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('origin_id', sa.Integer(), nullable=True),
    sa.Column('harvest_date', sa.Date(), nullable=True),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('certifications', sa.String(length=255), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('short', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_order_line_quantity_positive')),
    sa.CheckConstraint('received >= 0 AND rejected >= 0 AND short >= 0', name=op.f('ck_purchase_order_line_counts_nonneg')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_purchase_order_line_price_nonneg')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_purchase_order_line_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['origin_id'], ['origin.id'], name=op.f('fk_purchase_order_line_origin_id_origin')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_purchase_order_line_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_line')),
    sa.UniqueConstraint('order_id', 'line_no', name=op.f('uq_purchase_order_line_order_id_line_no'))
    )
    with op.batch_alter_table('purchase_order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_line_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_line_product_id'), ['product_id'], unique=False)

    op.create_table('po_rejection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('damaged', 'temperature', 'quality', 'wrong_product', name='po_rejection_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('lot_code', sa.String(length=20), nullable=False),
    sa.Column('sscc', sa.String(length=18), nullable=True),
    sa.Column('probe_temp_c', sa.Float(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_po_rejection_quantity_positive')),
    sa.ForeignKeyConstraint(['line_id'], ['purchase_order_line.id'], name=op.f('fk_po_rejection_line_id_purchase_order_line')),
    sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], name=op.f('fk_po_rejection_recorded_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_po_rejection'))
    )
    with op.batch_alter_table('po_rejection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_po_rejection_line_id'), ['line_id'], unique=False)

    op.create_table('asn_pallet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sscc', sa.String(length=18), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('lot_code', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('harvest_date', sa.Date(), nullable=True),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_move_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(sscc) = 18', name=op.f('ck_asn_pallet_sscc18')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_asn_pallet_quantity_positive')),
    sa.ForeignKeyConstraint(['line_id'], ['purchase_order_line.id'], name=op.f('fk_asn_pallet_line_id_purchase_order_line')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_asn_pallet_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['received_move_id'], ['stock_move.id'], name=op.f('fk_asn_pallet_received_move_id_stock_move')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asn_pallet')),
    sa.UniqueConstraint('sscc', name=op.f('uq_asn_pallet_sscc'))
    )
    with op.batch_alter_table('asn_pallet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asn_pallet_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asn_pallet_order_id'), ['order_id'], unique=False)

    op.create_table('po_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('move_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('sscc', sa.String(length=18), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['purchase_order_line.id'], name=op.f('fk_po_receipt_line_id_purchase_order_line')),
    sa.ForeignKeyConstraint(['move_id'], ['stock_move.id'], name=op.f('fk_po_receipt_move_id_stock_move')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_po_receipt')),
    sa.UniqueConstraint('move_id', name=op.f('uq_po_receipt_move_id'))
    )
    with op.batch_alter_table('po_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_po_receipt_line_id'), ['line_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('po_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_po_receipt_line_id'))

    op.drop_table('po_receipt')
    with op.batch_alter_table('asn_pallet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asn_pallet_order_id'))
        batch_op.drop_index(batch_op.f('ix_asn_pallet_line_id'))

    op.drop_table('asn_pallet')
    with op.batch_alter_table('po_rejection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_po_rejection_line_id'))

    op.drop_table('po_rejection')
    with op.batch_alter_table('purchase_order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_line_product_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_order_line_order_id'))

    op.drop_table('purchase_order_line')
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_order_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_order_expected_date'))
        batch_op.drop_index(batch_op.f('ix_purchase_order_due_at'))

    op.drop_table('purchase_order')
