"""A coordinator's screens: inviting members and coordinators, member details, status, eligibility."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from coopshop.accounts.models import Role, User
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.mail.models import OutboxMessage
from tests.conftest import TEST_PASSWORD, login
from tests.factories import gen_coop_admin, gen_cooperative, gen_member, gen_municipality

BSN_MESSAGE = "Dit lijkt op een BSN. Vul het cliëntnummer van de gemeente in, niet het BSN."
LOGIN_REFUSED = "Het e-mailadres of het wachtwoord klopt niet."


def page_text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def field_error(response: Any, field_id: str) -> str:
    html = response.get_data(as_text=True)
    match = re.search(rf'id="{field_id}-error">(.*?)</div>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


@dataclass(frozen=True)
class Cooperation:
    """One cooperative with a logged-in coordinator, a municipality and an active member."""

    cooperative_id: int
    municipality_id: int
    other_municipality_id: int
    member_id: int
    member_email: str
    admin_id: int


@pytest.fixture
def coop(app: Flask, client: FlaskClient) -> Cooperation:
    with app.app_context():
        cooperative = gen_cooperative()
        municipality = gen_municipality(name="Utrecht")
        other = gen_municipality(name="Nieuwegein")
        member = gen_member(
            cooperative, municipality, trade_name="Fietsmaker Jan", email="jan@voorbeeld.nl"
        )
        admin = gen_coop_admin(cooperative)
        setup = Cooperation(
            cooperative.id, municipality.id, other.id, member.id, member.user.email, admin.id
        )
        admin_email = admin.email
    login(client, admin_email)
    return setup


def invite_form(coop: Cooperation, **overrides: str) -> dict[str, Any]:
    return {
        "name": "Fatima el Amrani",
        "email": "Fatima@Voorbeeld.nl",
        "trade_name": "Fatima's Naaiatelier",
        "municipality_id": coop.municipality_id,
        "client_number": "KL-2026-0042",
        "iban": "nl91 abna 0417 1643 00",
        "exemption_end": "",
        **overrides,
    }


def details_form(coop: Cooperation, **overrides: Any) -> dict[str, Any]:
    return {
        "trade_name": "Fietsmaker Jan",
        "municipality_id": coop.municipality_id,
        "client_number": "KL-1",
        "iban": "",
        "exemption_end": "",
        **overrides,
    }


def member_in(app: Flask, member_id: int) -> Member:
    """A detached copy of the member as stored (attributes loaded)."""
    with app.app_context():
        member = db.session.get(Member, member_id)
        db.session.expunge(member)
        return member


def outbox(app: Flask) -> list[tuple[str, str, bool]]:
    with app.app_context():
        return [
            (m.recipient, m.subject, m.sent_at is not None)
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


# --- inviting a member --------------------------------------------------------------------------


def test_invited_member_starts_on_trial_without_a_password(app, client, coop):
    response = client.post("/cooperatie/leden/uitnodigen", data=invite_form(coop))

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "fatima@voorbeeld.nl"))
        member = user.member
        assert response.status_code == 302
        assert response.headers["Location"] == f"/cooperatie/leden/{member.id}"
        assert (user.name, user.role, user.password_hash) == ("Fatima el Amrani", Role.MEMBER, None)
        assert user.cooperative_id == member.cooperative_id == coop.cooperative_id
        assert member.status == "trial"
        assert member.trade_name == "Fatima's Naaiatelier"
        assert member.slug == "fatima-s-naaiatelier"
        assert member.municipality_id == coop.municipality_id
        assert member.client_number == "KL-2026-0042"
        assert member.iban == "NL91ABNA0417164300"
        assert member.exemption_eligible is False
    page = page_text(client.get(response.headers["Location"]))
    assert "Fatima el Amrani is uitgenodigd. De uitnodiging is per e-mail verstuurd." in page
    assert "proefperiode (uitgenodigd)" in page


def test_invitation_email_is_delivered_with_a_link_to_choose_a_password(app, client, coop):
    client.post("/cooperatie/leden/uitnodigen", data=invite_form(coop))

    assert outbox(app) == [("fatima@voorbeeld.nl", "Uitnodiging voor coopshop", True)]
    (eml,) = Path(app.config["OUTBOX_DIR"]).glob("*.eml")
    text = eml.read_text()
    assert "To: fatima@voorbeeld.nl" in text
    assert "http://coopshop.test/uitnodiging/" in text


def test_invited_member_cannot_log_in_before_choosing_a_password(app, client, coop):
    client.post("/cooperatie/leden/uitnodigen", data=invite_form(coop))
    client.post("/uitloggen")

    response = client.post(
        "/inloggen", data={"email": "fatima@voorbeeld.nl", "password": TEST_PASSWORD}
    )

    assert response.status_code == 401


@pytest.mark.parametrize("client_number", ["123456782", "123 456 782", "123.456.782"])
def test_client_number_that_looks_like_a_bsn_is_refused(app, client, coop, client_number):
    response = client.post(
        "/cooperatie/leden/uitnodigen", data=invite_form(coop, client_number=client_number)
    )

    assert response.status_code == 200
    assert field_error(response, "client_number") == BSN_MESSAGE
    assert "Er is iets niet goed ingevuld" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1
        assert db.session.scalar(select(User).where(User.email == "fatima@voorbeeld.nl")) is None
    assert outbox(app) == []


def test_client_number_with_letters_and_nine_digits_is_accepted(app, client, coop):
    response = client.post(
        "/cooperatie/leden/uitnodigen", data=invite_form(coop, client_number="UTR-123456789")
    )

    assert response.status_code == 302


def test_invitation_to_an_address_that_has_an_account_is_refused(app, client, coop):
    response = client.post(
        "/cooperatie/leden/uitnodigen", data=invite_form(coop, email=coop.member_email.upper())
    )

    assert response.status_code == 200
    assert field_error(response, "email") == (
        "Er is al een account met dit e-mailadres. Log in of kies 'Wachtwoord vergeten'."
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1


def test_invite_page_offers_every_municipality(client, coop):
    response = client.get("/cooperatie/leden/uitnodigen")

    assert response.status_code == 200
    assert "Utrecht" in page_text(response)
    assert "Nieuwegein" in page_text(response)


# --- member details -----------------------------------------------------------------------------


def test_coordinator_changes_a_members_details(app, client, coop):
    response = client.post(
        f"/cooperatie/leden/{coop.member_id}",
        data=details_form(
            coop,
            trade_name="Fietsmaker Jan & Zn.",
            municipality_id=coop.other_municipality_id,
            client_number="NWG-77",
            iban="nl91abna0417164300",
        ),
    )

    assert response.status_code == 302
    member = member_in(app, coop.member_id)
    assert member.trade_name == "Fietsmaker Jan & Zn."
    assert member.municipality_id == coop.other_municipality_id
    assert member.client_number == "NWG-77"
    assert member.iban == "NL91ABNA0417164300"
    page = page_text(client.get(f"/cooperatie/leden/{coop.member_id}"))
    assert "De gegevens van het lid zijn opgeslagen." in page


def test_bsn_is_refused_when_editing_a_member_too(app, client, coop):
    response = client.post(
        f"/cooperatie/leden/{coop.member_id}", data=details_form(coop, client_number="123456782")
    )

    assert response.status_code == 200
    assert field_error(response, "client_number") == BSN_MESSAGE
    assert member_in(app, coop.member_id).client_number != "123456782"


def test_eligibility_with_an_end_date_is_stored(app, client, coop):
    response = client.post(
        f"/cooperatie/leden/{coop.member_id}",
        data=details_form(coop, exemption_eligible="y", exemption_end="2026-12-31"),
    )

    assert response.status_code == 302
    member = member_in(app, coop.member_id)
    assert (member.exemption_eligible, member.exemption_end) == (True, date(2026, 12, 31))
    assert member.eligible_on(date(2026, 12, 31)) is True
    assert member.eligible_on(date(2027, 1, 1)) is False


def test_unticking_eligibility_withdraws_it(app, client, coop):
    with app.app_context():
        db.session.get(Member, coop.member_id).exemption_eligible = True
        db.session.commit()

    client.post(f"/cooperatie/leden/{coop.member_id}", data=details_form(coop))

    assert member_in(app, coop.member_id).exemption_eligible is False


# --- status -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label"),
    [("suspended", "geschorst"), ("left", "vertrokken"), ("trial", "proefperiode")],
)
def test_coordinator_sets_a_members_status(app, client, coop, status, label):
    response = client.post(f"/cooperatie/leden/{coop.member_id}/status/{status}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/cooperatie/leden/{coop.member_id}"
    assert member_in(app, coop.member_id).status == status
    page = page_text(client.get(f"/cooperatie/leden/{coop.member_id}"))
    assert "De status van het lid is gewijzigd." in page
    assert label in page


def test_unknown_status_changes_nothing(app, client, coop):
    client.post(f"/cooperatie/leden/{coop.member_id}/status/banned")

    assert member_in(app, coop.member_id).status == "active"


@pytest.mark.parametrize("status", ["suspended", "left"])
def test_suspended_or_departed_member_cannot_log_in(app, client, coop, status):
    client.post(f"/cooperatie/leden/{coop.member_id}/status/{status}")
    member_client = app.test_client()

    response = member_client.post(
        "/inloggen", data={"email": coop.member_email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 401
    assert LOGIN_REFUSED in page_text(response)


def test_reactivated_member_can_log_in_again(app, client, coop):
    client.post(f"/cooperatie/leden/{coop.member_id}/status/suspended")
    client.post(f"/cooperatie/leden/{coop.member_id}/status/active")

    login(app.test_client(), coop.member_email)

    assert member_in(app, coop.member_id).status == "active"


def test_suspension_ends_a_session_that_was_already_open(app, client, coop):
    member_client = app.test_client()
    login(member_client, coop.member_email)
    assert member_client.get("/mijn").status_code == 200

    client.post(f"/cooperatie/leden/{coop.member_id}/status/suspended")
    response = member_client.get("/mijn")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


# --- fellow coordinators ------------------------------------------------------------------------


def test_coordinator_invites_a_fellow_coordinator(app, client, coop):
    response = client.post(
        "/cooperatie/coordinatoren/uitnodigen",
        data={"name": "Karin Coördinator", "email": "Karin@Voorbeeld.nl"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/cooperatie"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "karin@voorbeeld.nl"))
        assert (user.role, user.cooperative_id, user.password_hash) == (
            Role.COOP_ADMIN,
            coop.cooperative_id,
            None,
        )
        assert user.member is None
    assert outbox(app) == [("karin@voorbeeld.nl", "Uitnodiging voor coopshop", True)]
    page = page_text(client.get("/cooperatie"))
    assert "De uitnodiging is per e-mail verstuurd." in page
    assert (
        "Karin Coördinator (karin@voorbeeld.nl) \N{EN DASH} uitnodiging nog niet geaccepteerd"
        in page
    )


def test_coordinator_invitation_needs_a_valid_email(app, client, coop):
    response = client.post(
        "/cooperatie/coordinatoren/uitnodigen", data={"name": "Karin", "email": "karin@"}
    )

    assert response.status_code == 200
    assert field_error(response, "email") == (
        "Dit is geen geldig e-mailadres. Voorbeeld: naam@voorbeeld.nl"
    )
    assert outbox(app) == []


def test_resending_an_invitation_queues_a_new_email(app, client, coop):
    client.post("/cooperatie/leden/uitnodigen", data=invite_form(coop))
    with app.app_context():
        member_id = db.session.scalar(
            select(Member.id).join(Member.user).where(User.email == "fatima@voorbeeld.nl")
        )

    response = client.post(f"/cooperatie/leden/{member_id}/uitnodiging")

    assert response.status_code == 302
    assert [recipient for recipient, _subject, _sent in outbox(app)] == [
        "fatima@voorbeeld.nl",
        "fatima@voorbeeld.nl",
    ]
    page = page_text(client.get(f"/cooperatie/leden/{member_id}"))
    assert "De uitnodiging is opnieuw verstuurd." in page


def test_dashboard_lists_the_cooperatives_members_and_coordinators(app, client, coop):
    response = client.get("/cooperatie")

    page = page_text(response)
    assert response.status_code == 200
    assert "Fietsmaker Jan" in page
    assert "Leden (1)" in page
    assert "Lid uitnodigen" in page
