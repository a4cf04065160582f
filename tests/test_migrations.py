"""The schema is built by migrations; they must produce exactly what the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from coopshop.catalogue.search import include_object
from coopshop.extensions import db


def test_upgrading_an_empty_database_gives_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        # The full-text search objects are made by the migration only (catalogue/search.py).
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_create_every_model_table(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables
