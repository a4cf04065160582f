"""CSRF on every state-changing request, security headers, and calm Dutch error pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from coopshop import create_app
from coopshop.accounts.models import User
from coopshop.extensions import db
from tests.conftest import base_config
from tests.factories import (
    TEST_PASSWORD,
    gen_buyer,
    gen_coop_admin,
    gen_cooperative,
    gen_member,
    gen_network_admin,
)

EXPIRED_FORM = "Formulier verlopen"


@pytest.fixture
def csrf_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The test app's database with CSRF protection on, as in production."""
    protected = create_app(
        {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "WTF_CSRF_ENABLED": True}
    )
    yield protected
    with protected.app_context():
        db.engine.dispose()


def csrf_token(client, path: str = "/inloggen") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def login_with_token(client, email: str) -> None:
    response = client.post(
        "/inloggen",
        data={"email": email, "password": TEST_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302


def all_rows(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused request changed nothing at all."""
    with app.app_context():
        return {
            table.name: [tuple(row) for row in db.session.execute(select(table)).all()]
            for table in db.metadata.sorted_tables
        }


def dummy_url(rule: Rule, values: dict[str, object]) -> str:
    """The rule's path with the argument values filled in."""
    return rule.build({name: values[name] for name in rule.arguments})[1]


def csrf_exempt(app: Flask, rule: Rule) -> bool:
    """Views exempted with ``csrf.exempt`` (the payment webhook) are authenticated otherwise."""
    view = app.view_functions[rule.endpoint]
    return f"{view.__module__}.{view.__name__}" in app.extensions["csrf"]._exempt_views


def post_rules(app: Flask) -> list[Rule]:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ()) and not csrf_exempt(app, rule)
        ),
        key=lambda rule: rule.rule,
    )


def test_every_post_endpoint_refuses_a_request_without_csrf_token(csrf_app):
    with csrf_app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        gen_coop_admin(cooperative)
        rule = member.municipality.rule_versions[0]
        values = {
            "cooperative_id": cooperative.id,
            "member_id": member.id,
            "municipality_id": member.municipality_id,
            "rule_id": rule.id,
            "status": "suspended",
            "locale": "en",
            "token": "not-a-token",
            "listing_id": 1,
            "image_id": 1,
            "category_id": 1,
            "action": "insturen",
            "session_id": "cs_sim_unknown",
            "reference": "B-00000000",
            "line_id": 1,
            "number": "UTS-2026-00001",
            "period": "2026-09",
            "report_id": 1,
            "batch_id": 1,
        }
        email = gen_network_admin().email
    client = csrf_app.test_client()
    login_with_token(client, email)
    before = all_rows(csrf_app)
    rules = post_rules(csrf_app)
    assert len(rules) >= 15  # the walking skeleton's forms and buttons, at the least

    for rule in rules:
        url = dummy_url(rule, values)
        response = client.post(url, data={"name": "Aangepast", "next": "/", "levy": "50"})
        assert response.status_code == 400, url
        assert EXPIRED_FORM in response.get_data(as_text=True), url

    assert all_rows(csrf_app) == before
    assert client.get("/netwerk/").status_code == 200  # the log-out button was refused too
    assert '<html lang="nl"' in client.get("/").get_data(as_text=True)


def test_a_form_with_its_token_is_accepted(csrf_app):
    client = csrf_app.test_client()

    response = client.post("/taal/en", data={"csrf_token": csrf_token(client), "next": "/"})

    assert response.status_code == 302
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)


def test_a_token_from_another_session_is_refused(csrf_app):
    stolen = csrf_token(csrf_app.test_client())
    victim = csrf_app.test_client()
    victim.get("/")

    response = victim.post("/taal/en", data={"csrf_token": stolen, "next": "/"})

    assert response.status_code == 400
    assert EXPIRED_FORM in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/inloggen", "/registreren", "/bestaat-niet"])
def test_pages_carry_the_security_headers(client, path):
    headers = client.get(path).headers

    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_pages_of_a_logged_in_user_are_not_stored(app, client):
    with app.app_context():
        email = gen_buyer().email
    client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    response = client.get("/account")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/coopshop.css")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_strict_transport_security_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/").headers

    secure = client.get("/", base_url="https://coopshop.test")

    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_an_unknown_page_gives_a_dutch_404(client):
    response = client.get("/bestaat-niet")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="nl"' in page
    assert "Pagina niet gevonden" in page
    assert "Controleer het adres of ga naar de startpagina." in page


def test_an_unknown_id_gives_a_dutch_404(app, client):
    with app.app_context():
        email = gen_network_admin().email
    client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    response = client.get("/cooperatie/leden/999999")

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_a_page_of_another_role_gives_a_dutch_403(app, client):
    with app.app_context():
        email = gen_buyer().email
    client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    response = client.get("/netwerk/")

    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)


def test_an_unexpected_error_gives_a_dutch_500_and_stores_nothing(app, client):
    @app.post("/test-only/half-done")
    def half_done() -> str:
        db.session.add(User(email="half@example.test", name="Half", role="buyer"))
        db.session.flush()
        raise RuntimeError("something broke halfway")

    response = client.post("/test-only/half-done")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Er ging iets mis bij ons" in page
    assert "Dit is niet uw fout. Er is niets opgeslagen." in page
    assert "something broke halfway" not in page
    assert response.headers["X-Frame-Options"] == "DENY"
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []


def test_a_request_that_is_too_large_gives_a_dutch_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024

    response = client.post("/inloggen", data={"email": "x" * 4096, "password": "y"})

    assert response.status_code == 413
    assert "Bestand te groot" in response.get_data(as_text=True)
