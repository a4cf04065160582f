"""Guessing passwords is slowed down: a few log-in attempts a minute, then a calm Dutch page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from coopshop import create_app
from coopshop.extensions import db
from tests.conftest import base_config
from tests.factories import TEST_PASSWORD, gen_buyer


@pytest.fixture
def limited_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The test app's database, with the log-in limit switched on at 3 attempts a minute per
    address and 5 an hour per account. Each app counts in its own memory."""
    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    limits = {"LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "5 per hour"}
    limited = create_app({**config, "RATELIMIT_ENABLED": True, **limits})
    yield limited
    with limited.app_context():
        db.engine.dispose()


def attempt(
    client,
    email: str = "nobody@example.test",
    password: str = "not the password",
    address: str = "192.0.2.1",
):
    return client.post(
        "/inloggen",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_fourth_login_attempt_within_a_minute_is_refused(limited_app):
    client = limited_app.test_client()

    assert [attempt(client).status_code for _ in range(3)] == [401, 401, 401]
    response = attempt(client)

    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Even wachten" in page
    assert "Wacht een paar minuten en probeer het dan opnieuw." in page
    assert '<html lang="nl"' in page


def test_a_refused_attempt_does_not_log_in_even_with_the_right_password(limited_app):
    with limited_app.app_context():
        email = gen_buyer().email
    client = limited_app.test_client()
    for _ in range(3):
        attempt(client, email)

    response = attempt(client, email, TEST_PASSWORD)

    assert response.status_code == 429
    assert client.get("/account").status_code == 302


def test_the_login_page_itself_stays_reachable(limited_app):
    client = limited_app.test_client()
    for _ in range(4):
        attempt(client)

    assert client.get("/inloggen").status_code == 200


def test_the_limit_is_off_in_the_ordinary_test_app(app, client):
    statuses = {attempt(client).status_code for _ in range(5)}

    assert statuses == {401}


def test_each_address_has_its_own_count(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        attempt(client, "a@example.test", address="192.0.2.1")

    assert attempt(client, "b@example.test", address="192.0.2.1").status_code == 429
    assert attempt(client, "b@example.test", address="198.51.100.7").status_code == 401


def test_guessing_one_account_from_many_addresses_is_refused_too(limited_app):
    with limited_app.app_context():
        email = gen_buyer().email
    client = limited_app.test_client()
    addresses = [f"203.0.113.{n}" for n in range(1, 7)]

    statuses = [attempt(client, email, address=address).status_code for address in addresses]

    assert statuses == [401, 401, 401, 401, 401, 429]
    # Upper case or spaces do not make it another account; the right password waits as well.
    assert attempt(client, f" {email.upper()} ", TEST_PASSWORD, "203.0.113.99").status_code == 429
    assert attempt(client, "other@example.test", address="203.0.113.99").status_code == 401


def test_an_app_with_the_limit_off_stays_unlimited_next_to_one_with_it_on(app, limited_app):
    client = app.test_client()

    statuses = {attempt(client).status_code for _ in range(12)}

    assert statuses == {401}
