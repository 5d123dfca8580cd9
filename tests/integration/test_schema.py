"""The migrations own the schema: migrated databases equal the models, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from coldchain.monitoring.partitions import modelled
from wms import migrations
from wms.db import make_engine
from wms.models import Base


def test_migrated_schema_matches_models(engine):
    with engine.connect() as conn:
        # The month partitions of ``reading`` (PostgreSQL) are made at run time, not modelled.
        ctx = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_object": modelled})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_every_model_table_exists(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_back(database_url):
    engine = make_engine(database_url)
    try:
        migrations.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
