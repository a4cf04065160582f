"""Fixtures shared by the whole suite: an app per test on a freshly migrated database.

``TEST_DB=sqlite`` (the default) copies a migrated SQLite file for every test;
``TEST_DB=postgresql`` migrates one database per xdist worker and truncates it after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from coopshop import create_app
from coopshop.extensions import db

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKEND = os.environ.get("TEST_DB", "sqlite")
TEST_PASSWORD = "correct horse battery"


def base_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SERVER_NAME": "coopshop.test",
        "MAIL_SERVER": "",
        # Every test runs with the page cache on, in this app's memory only.
        "CACHE_TYPE": "SimpleCache",
    }


def migrate_database(url: str, tmp_path: Path) -> None:
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def postgres_database(name_suffix: str) -> str:
    """A database of this worker's own, dropped and recreated so it starts empty."""
    base = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL))
    name = f"{base.database}_{name_suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    target = make_url(url)
    base = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_suffix(worker_id: str, testrun_uid: str) -> str:
    """Worker and run in the name, so that two test runs on one server never share a database."""
    return f"{worker_id}_{testrun_uid[:8]}"


@pytest.fixture(scope="session")
def migrated_database(
    tmp_path_factory: pytest.TempPathFactory, database_suffix: str
) -> Iterator[str]:
    """The URL of a migrated, empty database (for SQLite: a template file to copy)."""
    tmp = tmp_path_factory.mktemp("db")
    if BACKEND == "postgresql":
        url = postgres_database(database_suffix)
    else:
        url = f"sqlite:///{tmp / 'template.sqlite3'}"
    migrate_database(url, tmp)
    yield url
    if BACKEND == "postgresql":
        drop_postgres_database(url)


def truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture
def app(migrated_database: str, tmp_path: Path) -> Iterator[Flask]:
    if BACKEND == "postgresql":
        url = migrated_database
    else:
        copy = tmp_path / "coopshop.sqlite3"
        shutil.copyfile(make_url(migrated_database).database, copy)
        url = f"sqlite:///{copy}"
    application = create_app(base_config(url, tmp_path))
    yield application
    if BACKEND == "postgresql":
        truncate_all(application)
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


def login(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> None:
    response = client.post("/inloggen", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
