"""master data, users, tokens and jobs

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 18:52:40.695921
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column(
            "temp_class",
            sa.Enum(
                "frozen",
                "chilled",
                "ambient",
                name="product_temp",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("units_per_crate", sa.Integer(), nullable=False),
        sa.Column("unit_weight_kg", sa.Float(), nullable=False),
        sa.Column("shelf_life_days", sa.Float(), nullable=False),
        sa.Column("min_remaining_days", sa.Integer(), nullable=False),
        sa.Column(
            "kinetics_model",
            sa.Enum(
                "q10",
                "arrhenius",
                "sqrt",
                name="kinetics_model",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ref_temp_c", sa.Float(), nullable=False),
        sa.Column("q10", sa.Float(), nullable=True),
        sa.Column("activation_energy_kj", sa.Float(), nullable=True),
        sa.Column("tmin_c", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("length(gtin) = 14", name=op.f("ck_product_gtin14")),
        sa.CheckConstraint("shelf_life_days > 0", name=op.f("ck_product_shelf_life_positive")),
        sa.CheckConstraint("unit_weight_kg > 0", name=op.f("ck_product_weight_positive")),
        sa.CheckConstraint("units_per_crate > 0", name=op.f("ck_product_crate_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("gtin", name=op.f("uq_product_gtin")),
        sa.UniqueConstraint("sku", name=op.f("uq_product_sku")),
    )
    op.create_table(
        "supplier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "farm_base",
                "importer",
                "wholesaler",
                name="supplier_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("contact", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier")),
        sa.UniqueConstraint("code", name=op.f("uq_supplier_code")),
    )
    op.create_table(
        "warehouse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("loading_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("lat BETWEEN -90 AND 90", name=op.f("ck_warehouse_lat_range")),
        sa.CheckConstraint("lon BETWEEN -180 AND 180", name=op.f("ck_warehouse_lon_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouse_code")),
    )
    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "warehouse",
                "zone",
                "receiving",
                "storage",
                "staging",
                "dock",
                "quarantine",
                "vehicle",
                "pickup_point",
                name="location_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "temp_zone",
            sa.Enum(
                "frozen",
                "chilled",
                "ambient",
                name="location_temp",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["location.id"], name=op.f("fk_location_parent_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_location_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("code", name=op.f("uq_location_code")),
    )
    op.create_index(op.f("ix_location_parent_id"), "location", ["parent_id"], unique=False)
    op.create_index(op.f("ix_location_warehouse_id"), "location", ["warehouse_id"], unique=False)
    op.create_table(
        "origin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("certifications", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_origin_supplier_id_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin")),
        sa.UniqueConstraint("code", name=op.f("uq_origin_code")),
    )
    op.create_index(op.f("ix_origin_supplier_id"), "origin", ["supplier_id"], unique=False)
    op.create_table(
        "pickup_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("district", sa.String(length=60), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("service_minutes", sa.Integer(), nullable=False),
        sa.Column("collection_opens", sa.Time(), nullable=False),
        sa.Column("collection_closes", sa.Time(), nullable=False),
        sa.Column("leader_name", sa.String(length=60), nullable=False),
        sa.Column("leader_phone", sa.String(length=30), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "collection_opens < collection_closes", name=op.f("ck_pickup_point_collection_order")
        ),
        sa.CheckConstraint("service_minutes >= 0", name=op.f("ck_pickup_point_service_nonneg")),
        sa.CheckConstraint("window_start < window_end", name=op.f("ck_pickup_point_window_order")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_pickup_point_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_pickup_point_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_point")),
        sa.UniqueConstraint("code", name=op.f("uq_pickup_point_code")),
        sa.UniqueConstraint("location_id", name=op.f("uq_pickup_point_location_id")),
    )
    op.create_index(
        op.f("ix_pickup_point_warehouse_id"), "pickup_point", ["warehouse_id"], unique=False
    )
    op.create_table(
        "vehicle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("frozen_crates", sa.Integer(), nullable=False),
        sa.Column("frozen_kg", sa.Float(), nullable=False),
        sa.Column("chilled_crates", sa.Integer(), nullable=False),
        sa.Column("chilled_kg", sa.Float(), nullable=False),
        sa.Column("ambient_crates", sa.Integer(), nullable=False),
        sa.Column("ambient_kg", sa.Float(), nullable=False),
        sa.Column("cost_per_km", sa.Float(), nullable=False),
        sa.Column("fixed_cost", sa.Float(), nullable=False),
        sa.Column("shift_start", sa.Time(), nullable=False),
        sa.Column("shift_end", sa.Time(), nullable=False),
        sa.Column("max_route_minutes", sa.Integer(), nullable=False),
        sa.Column("speed_factor", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "frozen_crates >= 0 AND chilled_crates >= 0 AND ambient_crates >= 0",
            name=op.f("ck_vehicle_crates_nonneg"),
        ),
        sa.CheckConstraint(
            "frozen_kg >= 0 AND chilled_kg >= 0 AND ambient_kg >= 0",
            name=op.f("ck_vehicle_kg_nonneg"),
        ),
        sa.CheckConstraint("shift_start < shift_end", name=op.f("ck_vehicle_shift_order")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_vehicle_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_vehicle_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle")),
        sa.UniqueConstraint("code", name=op.f("uq_vehicle_code")),
        sa.UniqueConstraint("location_id", name=op.f("uq_vehicle_location_id")),
        sa.UniqueConstraint("plate", name=op.f("uq_vehicle_plate")),
    )
    op.create_index(op.f("ix_vehicle_warehouse_id"), "vehicle", ["warehouse_id"], unique=False)
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "staff",
                "dispatcher",
                "driver",
                "buyer",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role NOT IN ('staff', 'dispatcher') OR warehouse_id IS NOT NULL",
            name=op.f("ck_app_user_scoped_role_has_warehouse"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_app_user_vehicle_id_vehicle")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_app_user_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_index(op.f("ix_app_user_warehouse_id"), "app_user", ["warehouse_id"], unique=False)
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "started",
                "finished",
                "failed",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_job_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_job_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_kind"), "job", ["kind"], unique=False)
    op.create_table(
        "lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_code", sa.String(length=20), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("origin_id", sa.Integer(), nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("harvest_date", sa.Date(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("best_before", sa.Date(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purchase_order", sa.String(length=40), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=True),
        sa.Column("certifications", sa.String(length=255), nullable=False),
        sa.Column("country_of_origin", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "available",
                "hold",
                "recalled",
                "spoiled",
                name="lot_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["app_user.id"], name=op.f("fk_lot_buyer_id_app_user")
        ),
        sa.ForeignKeyConstraint(["origin_id"], ["origin.id"], name=op.f("fk_lot_origin_id_origin")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_lot_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_lot_supplier_id_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot")),
        sa.UniqueConstraint("product_id", "lot_code", name=op.f("uq_lot_product_id_lot_code")),
    )
    op.create_index(op.f("ix_lot_expiry_date"), "lot", ["expiry_date"], unique=False)
    op.create_index(op.f("ix_lot_origin_id"), "lot", ["origin_id"], unique=False)
    op.create_index(op.f("ix_lot_product_id"), "lot", ["product_id"], unique=False)
    op.create_index(op.f("ix_lot_supplier_id"), "lot", ["supplier_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lot_supplier_id"), table_name="lot")
    op.drop_index(op.f("ix_lot_product_id"), table_name="lot")
    op.drop_index(op.f("ix_lot_origin_id"), table_name="lot")
    op.drop_index(op.f("ix_lot_expiry_date"), table_name="lot")
    op.drop_table("lot")
    op.drop_index(op.f("ix_job_kind"), table_name="job")
    op.drop_table("job")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_index(op.f("ix_app_user_warehouse_id"), table_name="app_user")
    op.drop_table("app_user")
    op.drop_index(op.f("ix_vehicle_warehouse_id"), table_name="vehicle")
    op.drop_table("vehicle")
    op.drop_index(op.f("ix_pickup_point_warehouse_id"), table_name="pickup_point")
    op.drop_table("pickup_point")
    op.drop_index(op.f("ix_origin_supplier_id"), table_name="origin")
    op.drop_table("origin")
    op.drop_index(op.f("ix_location_warehouse_id"), table_name="location")
    op.drop_index(op.f("ix_location_parent_id"), table_name="location")
    op.drop_table("location")
    op.drop_table("warehouse")
    op.drop_table("supplier")
    op.drop_table("product")
