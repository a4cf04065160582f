"""The audit log: every administrative change leaves an event that nobody can alter."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

import coopshop
from coopshop.accounts.models import User
from coopshop.audit.labels import ACTIONS
from coopshop.audit.models import AuditEvent
from coopshop.audit.views import PAGE_SIZE
from coopshop.cooperatives.models import Cooperative, Member
from coopshop.extensions import db
from tests.conftest import login
from tests.factories import (
    gen_coop_admin,
    gen_cooperative,
    gen_member,
    gen_municipality,
    gen_network_admin,
)


def page_text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def events(app: Flask) -> list[AuditEvent]:
    """All events, oldest first, detached with their attributes loaded."""
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return list(rows)


def the_event(app: Flask, action: str) -> AuditEvent:
    (event,) = [event for event in events(app) if event.action == action]
    return event


def actor_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


@pytest.fixture
def network_admin(app: Flask, client: Any) -> str:
    with app.app_context():
        email = gen_network_admin(name="Nadia Netwerk").email
    login(client, email)
    return email


@pytest.fixture
def coordinator(app: Flask, client: Any) -> dict[str, Any]:
    """A logged-in coordinator of a cooperative with one active member."""
    with app.app_context():
        cooperative = gen_cooperative()
        municipality = gen_municipality()
        member = gen_member(cooperative, municipality, trade_name="Fietsmaker Jan")
        admin = gen_coop_admin(cooperative, name="Cor Coördinator")
        setup = {
            "email": admin.email,
            "cooperative_id": cooperative.id,
            "municipality_id": municipality.id,
            "member_id": member.id,
            "client_number": member.client_number,
        }
    login(client, setup["email"])
    return setup


def details_form(coordinator: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "trade_name": "Fietsmaker Jan",
        "municipality_id": coordinator["municipality_id"],
        "client_number": coordinator["client_number"],
        **overrides,
    }


# --- what is recorded ---------------------------------------------------------------------------


def test_creating_a_cooperative_records_who_and_the_stored_values(app, client, network_admin):
    client.post(
        "/netwerk/cooperaties/nieuw",
        data={
            "name": "Coöperatie De Brug",
            "slug": "de-brug",
            "street": "Oudegracht 1",
            "postcode": "3511ax",
            "city": "Utrecht",
            "kvk_number": "81234567",
            "vat_id": "NL812345678B01",
            "iban": "nl91 abna 0417 1643 00",
            "invoice_prefix": "BRUG",
            "email": "info@debrug.nl",
        },
    )

    event = the_event(app, "cooperative.created")
    with app.app_context():
        cooperative_id = db.session.scalar(select(Cooperative.id))
    assert event.actor_id == actor_id(app, network_admin)
    assert (event.object_type, event.object_id) == ("Cooperative", cooperative_id)
    assert event.cooperative_id == cooperative_id
    assert event.summary == "Coöperatie De Brug"
    assert event.before is None
    assert event.after["iban"] == "NL91ABNA0417164300"
    assert event.after["postcode"] == "3511 AX"
    assert event.at is not None


def test_adding_a_levy_version_is_recorded_for_that_cooperative(app, client, network_admin):
    with app.app_context():
        cooperative_id = gen_cooperative().id

    client.post(
        f"/netwerk/cooperaties/{cooperative_id}/afdracht",
        data={"levy": "12,5", "effective_from": "2026-07-01"},
    )

    event = the_event(app, "levy_rate.created")
    assert (event.cooperative_id, event.after["levy_bp"]) == (cooperative_id, 1250)
    assert event.after["effective_from"] == "2026-07-01"


def test_changing_a_rule_version_records_before_and_after(app, client, network_admin):
    with app.app_context():
        municipality = gen_municipality()
        municipality_id, rule_id = municipality.id, municipality.rule_versions[0].id

    client.post(
        f"/netwerk/gemeenten/{municipality_id}/regels/{rule_id}",
        data={
            "effective_from": "2026-01-01",
            "period": "month",
            "basis": "gross",
            "exemption": "25",
            "exemption_cap_cents": "290,50",
            "exemption_max_months": "6",
            "offset": "100",
            "withhold": "y",
        },
    )

    event = the_event(app, "rule_version.updated")
    assert event.actor_id == actor_id(app, network_admin)
    assert (event.object_type, event.object_id) == ("SettlementRuleVersion", rule_id)
    assert event.before["exemption_cap_cents"] == 28500
    assert event.after["exemption_cap_cents"] == 29050
    assert event.before["effective_from"] == event.after["effective_from"] == "2026-01-01"


def test_adding_a_rule_version_is_recorded(app, client, network_admin):
    with app.app_context():
        municipality_id = gen_municipality(name="Utrecht").id

    client.post(
        f"/netwerk/gemeenten/{municipality_id}/regels/nieuw",
        data={
            "effective_from": "2026-07-01",
            "period": "quarter",
            "basis": "net",
            "tax_reserve": "17",
            "exemption": "25",
            "exemption_cap_cents": "285,00",
            "exemption_max_months": "6",
            "offset": "100",
        },
    )

    event = the_event(app, "rule_version.created")
    assert event.summary == "Utrecht 2026-07-01"
    assert event.before is None
    assert (event.after["basis"], event.after["tax_reserve_bp"]) == ("net", 1700)


def test_inviting_a_member_is_recorded(app, client, coordinator):
    client.post(
        "/cooperatie/leden/uitnodigen",
        data={
            "name": "Fatima el Amrani",
            "email": "fatima@voorbeeld.nl",
            "trade_name": "Fatima's Naaiatelier",
            "municipality_id": coordinator["municipality_id"],
            "client_number": "KL-42",
        },
    )

    event = the_event(app, "member.invited")
    assert event.actor_id == actor_id(app, coordinator["email"])
    assert event.cooperative_id == coordinator["cooperative_id"]
    assert event.object_type == "Member"
    assert event.summary == "Fatima el Amrani <fatima@voorbeeld.nl>"
    assert (event.after["status"], event.after["client_number"]) == ("trial", "KL-42")


def test_inviting_a_coordinator_is_recorded_without_any_password_hash(app, client, coordinator):
    client.post(
        "/cooperatie/coordinatoren/uitnodigen",
        data={"name": "Karin", "email": "Karin@Voorbeeld.nl"},
    )

    event = the_event(app, "admin.invited")
    assert event.summary == "Karin <karin@voorbeeld.nl>"  # as stored, not as typed
    assert (event.object_type, event.cooperative_id) == ("User", coordinator["cooperative_id"])
    assert event.after["role"] == "coop_admin"
    assert "password_hash" not in event.after


def test_suspending_a_member_records_the_status_before_and_after(app, client, coordinator):
    client.post(f"/cooperatie/leden/{coordinator['member_id']}/status/suspended")

    event = the_event(app, "member.suspended")
    assert event.actor_id == actor_id(app, coordinator["email"])
    assert (event.object_type, event.object_id) == ("Member", coordinator["member_id"])
    assert (event.before["status"], event.after["status"]) == ("active", "suspended")


def test_setting_the_status_a_member_already_has_records_nothing(app, client, coordinator):
    client.post(f"/cooperatie/leden/{coordinator['member_id']}/status/active")

    assert events(app) == []


def test_eligibility_change_is_recorded_under_its_own_action(app, client, coordinator):
    client.post(
        f"/cooperatie/leden/{coordinator['member_id']}",
        data=details_form(coordinator, exemption_eligible="y", exemption_end="2026-12-31"),
    )

    event = the_event(app, "member.eligibility_changed")
    assert event.actor_id == actor_id(app, coordinator["email"])
    assert (event.before["exemption_eligible"], event.before["exemption_end"]) == (False, None)
    assert (event.after["exemption_eligible"], event.after["exemption_end"]) == (
        True,
        "2026-12-31",
    )


def test_other_detail_changes_are_recorded_as_an_update(app, client, coordinator):
    client.post(
        f"/cooperatie/leden/{coordinator['member_id']}",
        data=details_form(coordinator, trade_name="Fietsmaker Jan & Zn."),
    )

    event = the_event(app, "member.updated")
    assert (event.before["trade_name"], event.after["trade_name"]) == (
        "Fietsmaker Jan",
        "Fietsmaker Jan & Zn.",
    )


def test_a_refused_change_leaves_no_event(app, client, coordinator):
    client.post(
        f"/cooperatie/leden/{coordinator['member_id']}",
        data=details_form(coordinator, client_number="123456782"),
    )
    client.post(
        "/cooperatie/leden/uitnodigen",
        data={"name": "Dubbel", "email": "karin@", "trade_name": "X", "client_number": "KL-1"},
    )

    assert events(app) == []


# --- the page -----------------------------------------------------------------------------------


def test_log_page_shows_who_did_what_with_the_changed_values(app, client, coordinator):
    client.post(f"/cooperatie/leden/{coordinator['member_id']}/status/suspended")
    client.post(
        f"/cooperatie/leden/{coordinator['member_id']}",
        data=details_form(coordinator, exemption_eligible="y", exemption_end="2026-12-31"),
    )

    response = client.get("/logboek")

    page = page_text(response)
    assert response.status_code == 200
    assert "Logboek" in page
    assert "Dit logboek kan niet worden gewijzigd." in page
    assert "Cor Coördinator" in page
    assert "Lid geschorst: Fietsmaker Jan" in page
    assert "status: active → suspended" in page
    assert "Vrijlating van lid gewijzigd: Fietsmaker Jan" in page
    assert "vrijlating tot en met: \N{EN DASH} → 2026-12-31" in page
    # Newest first.
    assert page.index("Vrijlating van lid gewijzigd") < page.index("Lid geschorst")


def test_every_action_code_in_the_code_has_a_label():
    """A new kind of audit event needs words on the log page (codes built with f-strings are
    listed in ACTIONS by hand)."""
    source = "\n".join(path.read_text() for path in Path(coopshop.__file__).parent.rglob("*.py"))
    literal_codes = set(re.findall(r'"((?:[a-z_]+)\.(?:[a-z_]+))"', source))
    nouns = {code.split(".")[0] for code in ACTIONS}
    recorded = {
        code
        for code in literal_codes
        if code.split(".")[0] in nouns and code.split(".")[1] != "id"  # "member.id": a key
    }

    assert recorded - set(ACTIONS) == set()


def test_the_log_speaks_english_on_english_pages(app, client, coordinator):
    client.post(f"/cooperatie/leden/{coordinator['member_id']}/status/suspended")
    with client.session_transaction() as session:
        session["locale"] = "en"

    page = page_text(client.get("/logboek"))

    assert "Member suspended: Fietsmaker Jan" in page


def test_empty_log_says_so(client, coordinator):
    assert "Nog geen handelingen." in page_text(client.get("/logboek"))


def test_log_is_paged(app, client, network_admin):
    with app.app_context():
        for number in range(PAGE_SIZE + 1):
            db.session.add(
                AuditEvent(action="test.event", object_type="Test", summary=f"#{number}")
            )
        db.session.commit()

    first = page_text(client.get("/logboek"))
    second = page_text(client.get("/logboek?pagina=2"))

    assert "test.event: #50" in first and "Volgende pagina" in first
    assert "test.event: #0<" not in first
    assert "test.event: #0" in second and "Vorige pagina" in second
    assert "Volgende pagina" not in second


# --- append-only at database level --------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'x'",
        "UPDATE audit_event SET after = NULL",
        "DELETE FROM audit_event",
    ],
)
def test_database_refuses_to_change_or_delete_events(app, statement):
    with app.app_context():
        cooperative = gen_cooperative()
        admin = gen_network_admin()
        db.session.add(
            AuditEvent(
                actor_id=admin.id,
                cooperative_id=cooperative.id,
                action="cooperative.created",
                object_type="Cooperative",
                object_id=cooperative.id,
                after={"name": cooperative.name},
            )
        )
        db.session.commit()

        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()

        stored = db.session.scalars(select(AuditEvent)).all()
        assert [(event.action, event.after) for event in stored] == [
            ("cooperative.created", {"name": cooperative.name})
        ]


def test_undoing_a_change_adds_an_event_instead_of_rewriting_one(app, client, coordinator):
    client.post(f"/cooperatie/leden/{coordinator['member_id']}/status/suspended")
    client.post(f"/cooperatie/leden/{coordinator['member_id']}/status/active")

    assert [event.action for event in events(app)] == ["member.suspended", "member.active"]
    with app.app_context():
        assert db.session.get(Member, coordinator["member_id"]).status == "active"
