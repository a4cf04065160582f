"""Dutch by default, English on request; amounts formatted the way each language writes them.

The English catalogue is not filled in yet, so these tests look only at the ``lang`` attribute
and at what Babel formats, never at translated words.
"""

from __future__ import annotations

from babel import localedata
from flask import session
from sqlalchemy import select

from coopshop import create_app
from coopshop.accounts.models import User
from coopshop.extensions import db
from coopshop.formatting import basis_points, euro
from coopshop.money import format_eur
from coopshop.settlement.periods import month_name
from tests.conftest import base_config
from tests.factories import TEST_PASSWORD, gen_buyer


def page_language(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_pages_are_dutch_by_default(client):
    assert page_language(client) == "nl"
    assert page_language(client, "/inloggen") == "nl"


def test_the_language_switch_sets_english_for_the_session(client):
    response = client.post("/taal/en", data={"next": "/inloggen"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/inloggen"
    assert page_language(client) == "en"
    assert page_language(client, "/registreren") == "en"
    # The switch now offers the way back.
    assert ">Nederlands</button>" in client.get("/").get_data(as_text=True)


def test_switching_back_to_dutch(client):
    client.post("/taal/en")
    client.post("/taal/nl")

    assert page_language(client) == "nl"


def test_an_unknown_language_changes_nothing(client):
    response = client.post("/taal/fr")

    assert response.status_code == 302
    assert page_language(client) == "nl"


def test_the_switch_returns_only_to_pages_on_this_site(client):
    response = client.post("/taal/en", data={"next": "https://evil.example/"})

    assert response.headers["Location"] == "/"


def test_a_logged_in_user_keeps_the_chosen_language_on_the_next_visit(app, client):
    with app.app_context():
        email = gen_buyer().email
    client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})
    client.post("/taal/en")

    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.email == email)) == "en"
    other_browser = app.test_client()
    assert page_language(other_browser) == "nl"
    other_browser.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})
    assert page_language(other_browser, "/account") == "en"


def test_euro_amounts_are_written_the_dutch_way_in_a_dutch_request(app):
    with app.test_request_context("/"):
        assert euro(123456) == "€ 1.234,56"
        assert euro(0) == "€ 0,00"
        assert euro(None) == ""
        assert basis_points(2500) == "25 %"
        assert basis_points(1250) == "12,5 %"


def test_euro_amounts_are_written_the_english_way_in_an_english_request(app):
    with app.test_request_context("/"):
        session["locale"] = "en"
        assert euro(123456) == "€1,234.56"
        assert basis_points(1250) == "12.5%"


def test_the_languages_locale_data_is_read_when_the_app_starts(monkeypatch, tmp_path):
    """Formatting a Dutch month or amount afterwards reads nothing from disk."""
    monkeypatch.setattr(localedata, "_cache", {})  # as in a new process
    app = create_app(base_config("sqlite://", tmp_path))

    def no_reading(*_args: object) -> None:
        raise AssertionError("Babel read locale data after the start")

    monkeypatch.setattr(localedata.pickle, "load", no_reading)
    with app.app_context():
        assert month_name("2026-09") == "september 2026"
        assert format_eur(123456, "nl") == "€ 1.234,56"
        assert format_eur(123456, "en") == "€1,234.56"
