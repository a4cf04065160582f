"""A buyer creates an account: what is stored, and what a mistake looks like on the page."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from coopshop.accounts.models import Buyer, BuyerKind, Role, User
from coopshop.extensions import db
from tests.factories import gen_buyer

PASSWORD = "een lange zin als wachtwoord"
VALID = {
    "name": "Fatima el Amrani",
    "email": "fatima@example.com",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "kind": BuyerKind.CONSUMER.value,
}

KVK_MESSAGE = "Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 12345678."
VAT_MESSAGE = "Dit btw-nummer klopt niet. Een Nederlands btw-id ziet eruit als NL123456789B01."
POSTCODE_MESSAGE = (
    "Deze postcode klopt niet. Een postcode is 4 cijfers en 2 letters, bijvoorbeeld 1234 AB."
)


def register(client, **changes):
    return client.post("/registreren", data={**VALID, **changes})


def field_error(page: str, field_id: str) -> str:
    """The error text shown right next to a field (its ``<id>-error`` element), unescaped."""
    match = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</div>', page, re.DOTALL)
    assert match, f"no error shown next to #{field_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def count_buyers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Buyer))


def test_registration_creates_a_buyer_account_and_logs_in(app, client):
    response = register(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "fatima@example.com"))
        assert user.role == Role.BUYER
        assert user.name == "Fatima el Amrani"
        assert user.password_hash and PASSWORD not in user.password_hash
        assert user.buyer.kind == BuyerKind.CONSUMER
    profile = client.get("/account")
    assert profile.status_code == 200
    assert "Ingelogd als fatima@example.com." in profile.get_data(as_text=True)


def test_registration_stores_the_email_address_in_lower_case(app, client):
    register(client, email="  Fatima@Example.COM ")

    with app.app_context():
        emails = db.session.scalars(select(User.email)).all()
    assert emails == ["fatima@example.com"]


def test_business_registration_stores_normalised_identifiers(app, client):
    response = register(
        client,
        kind=BuyerKind.BUSINESS.value,
        company_name="Bakkerij De Korenbloem",
        kvk_number="1234 5678",
        vat_id="nl000099998b57",
        street="Oudegracht 12",
        postcode="3511ax",
        city="Utrecht",
    )

    assert response.status_code == 302
    with app.app_context():
        buyer = db.session.scalar(select(Buyer))
        assert buyer.kind == BuyerKind.BUSINESS
        assert buyer.company_name == "Bakkerij De Korenbloem"
        assert (buyer.kvk_number, buyer.vat_id, buyer.postcode) == (
            "12345678",
            "NL000099998B57",
            "3511 AX",
        )


def test_an_email_address_in_use_is_refused_whatever_its_case(app, client):
    with app.app_context():
        gen_buyer(email="piet@example.com")

    response = register(client, email="PIET@Example.com")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "email") == (
        "Er is al een account met dit e-mailadres. Log in of kies 'Wachtwoord vergeten'."
    )
    assert count_users(app) == 1
    assert count_buyers(app) == 1
    assert client.get("/account").status_code == 302  # not logged in


@pytest.mark.parametrize("kind", [BuyerKind.BUSINESS, BuyerKind.MUNICIPALITY])
def test_a_business_or_municipality_must_give_its_name(app, client, kind):
    response = register(client, kind=kind.value, company_name="  ")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "company_name") == "Vul de naam van het bedrijf of de organisatie in."
    assert count_users(app) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kvk_number", "1234567", KVK_MESSAGE),
        ("kvk_number", "1234567A", KVK_MESSAGE),
        ("vat_id", "NL123456789B01", VAT_MESSAGE),
        ("vat_id", "123456789B01", VAT_MESSAGE),
        ("postcode", "12345", POSTCODE_MESSAGE),
        ("postcode", "0123 AB", POSTCODE_MESSAGE),
    ],
)
def test_an_invalid_identifier_is_explained_next_to_its_field(app, client, field, value, message):
    response = register(
        client, kind=BuyerKind.BUSINESS.value, company_name="Bakkerij", **{field: value}
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, field) == message
    assert f'href="#{field}"' in page
    assert count_users(app) == 0
    assert count_buyers(app) == 0


def test_a_password_shorter_than_ten_characters_is_refused(app, client):
    response = register(client, password="kort1234!", confirm="kort1234!")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, "password") == "Uw wachtwoord moet minstens 10 tekens hebben."
    assert count_users(app) == 0


def test_two_different_passwords_are_refused(app, client):
    response = register(client, confirm=PASSWORD + "!")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, "confirm") == "De twee wachtwoorden zijn niet hetzelfde."
    assert count_users(app) == 0


def test_the_error_summary_links_to_every_field_with_a_mistake(app, client):
    response = register(
        client, name="", email="geen-adres", confirm="iets anders", kind=BuyerKind.BUSINESS.value
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Fout: Account aanmaken" in page
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.DOTALL).group(0)
    assert "Er is iets niet goed ingevuld" in summary
    for field_id in ("name", "email", "confirm", "company_name"):
        assert f'href="#{field_id}"' in summary
        assert f'id="{field_id}"' in page  # the link lands on the field itself
    assert 'href="#password"' not in summary
    assert "Dit is geen geldig e-mailadres. Voorbeeld: naam@voorbeeld.nl" in summary
    # What was typed is still there, except the passwords.
    assert 'value="geen-adres"' in page
    assert PASSWORD not in page
    assert count_users(app) == 0
