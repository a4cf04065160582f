"""Configuration in layers that fail fast: no production start without a real secret key.

Every test passes the settings it depends on, so a developer's ``instance/config.py`` (which may
set ENV_NAME, SECRET_KEY or a database) cannot change the outcome.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from coopshop import create_app
from coopshop.config import (
    DEV_SECRET_KEY,
    ConfigError,
    environment_config,
    normalise_database_url,
)
from coopshop.extensions import db

GOOD_KEY = "k3y-" + "x" * 40
ENV_VARIABLES = ("SECRET_KEY", "DATABASE_URL", "COOPSHOP_SECRET_KEY", "COOPSHOP_DATABASE_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own settings must not leak into these tests."""
    for name in ENV_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_app(tmp_path) -> Iterator:
    """``create_app`` on a throw-away SQLite file; engines are closed afterwards."""
    apps: list[Flask] = []

    def make(**settings: object) -> Flask:
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'config.sqlite3'}"}
        application = create_app({**config, **settings})
        apps.append(application)
        return application

    yield make
    for application in apps:
        with application.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    "secret_key",
    [None, "", DEV_SECRET_KEY, "x" * 31],
    ids=["missing", "empty", "development key", "31 characters"],
)
def test_production_refuses_to_start_without_a_real_secret_key(make_app, secret_key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(ENV_NAME="production", SECRET_KEY=secret_key)


def test_any_environment_other_than_development_or_testing_is_checked(make_app):
    with pytest.raises(ConfigError):
        make_app(ENV_NAME="staging", SECRET_KEY=DEV_SECRET_KEY)


def test_production_with_a_good_key_starts_with_secure_cookies(make_app):
    app = make_app(ENV_NAME="production", SECRET_KEY=GOOD_KEY)

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_production_refuses_cookies_that_travel_over_plain_http(make_app):
    with pytest.raises(ConfigError, match="secure"):
        make_app(ENV_NAME="production", SECRET_KEY=GOOD_KEY, SESSION_COOKIE_SECURE=False)


def test_production_sends_the_session_cookie_secure_and_http_only(make_app):
    app = make_app(ENV_NAME="production", SECRET_KEY=GOOD_KEY, SERVER_NAME="coopshop.test")

    response = app.test_client().get("/inloggen", base_url="https://coopshop.test")

    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("env_name", ["development", "testing"])
def test_development_and_tests_may_use_the_development_key(make_app, env_name):
    app = make_app(ENV_NAME=env_name, SECRET_KEY=DEV_SECRET_KEY)

    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_coopshop_environment_variables_override_the_defaults(make_app, monkeypatch):
    monkeypatch.setenv("COOPSHOP_LOGIN_RATE_LIMIT", "5 per minute")
    monkeypatch.setenv("COOPSHOP_MAIL_PORT", "2525")
    monkeypatch.setenv("COOPSHOP_MAIL_USE_TLS", "false")
    monkeypatch.setenv("COOPSHOP_RATELIMIT_ENABLED", "no")

    app = make_app(ENV_NAME="testing")

    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_USE_TLS"] is False
    assert app.config["RATELIMIT_ENABLED"] is False


def test_settings_passed_to_create_app_win_over_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("COOPSHOP_MAIL_PORT", "2525")

    app = make_app(ENV_NAME="testing", MAIL_PORT=25)

    assert app.config["MAIL_PORT"] == 25


def test_the_secret_key_can_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("COOPSHOP_SECRET_KEY", GOOD_KEY)

    app = make_app(ENV_NAME="production")

    assert app.config["SECRET_KEY"] == GOOD_KEY


def test_secrets_that_look_like_numbers_stay_text(make_app, monkeypatch):
    digits = "1234567890" * 4
    monkeypatch.setenv("COOPSHOP_SECRET_KEY", digits)
    monkeypatch.setenv("COOPSHOP_MAIL_PASSWORD", "000123")
    monkeypatch.setenv("COOPSHOP_MAIL_USERNAME", "true")

    app = make_app(ENV_NAME="production")

    assert app.config["SECRET_KEY"] == digits
    assert app.config["MAIL_PASSWORD"] == "000123"
    assert app.config["MAIL_USERNAME"] == "true"


def test_production_keeps_refusing_insecure_cookies_that_the_environment_asks_for(
    make_app, monkeypatch
):
    monkeypatch.setenv("COOPSHOP_SESSION_COOKIE_SECURE", "false")

    with pytest.raises(ConfigError):
        make_app(ENV_NAME="production", SECRET_KEY=GOOD_KEY)
    assert make_app(ENV_NAME="development")


@pytest.mark.parametrize("variable", ["DATABASE_URL", "COOPSHOP_DATABASE_URL"])
def test_a_postgres_database_url_is_given_the_psycopg_driver(monkeypatch, tmp_path, variable):
    monkeypatch.setenv(variable, "postgres://shop:geheim@db.example:5432/coopshop")

    app = create_app({"ENV_NAME": "testing"})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://shop:geheim@db.example:5432/coopshop"
    )
    with app.app_context():
        assert db.engine.url.drivername == "postgresql+psycopg"
        db.engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///instance/coopshop.sqlite3", "sqlite:///instance/coopshop.sqlite3"),
    ],
)
def test_database_urls_are_normalised(url, expected):
    assert normalise_database_url(url) == expected


def test_environment_config_reads_only_its_own_variables():
    settings = environment_config(
        {"HOME": "/root", "COOPSHOP_MAIL_SERVER": "smtp.example.nl", "SECRET_KEY": GOOD_KEY}
    )

    assert settings == {"MAIL_SERVER": "smtp.example.nl", "SECRET_KEY": GOOD_KEY}
