"""Who may see and change what: roles, and every cooperative's data isolated from the others.

The table in ``cross_cooperative_requests`` must name every admin view in the URL map; a new
admin view without an entry makes ``test_coop_admin_cannot_reach_another_cooperatives_data`` fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.cooperatives import member_services
from coopshop.cooperatives.models import Member, MemberStatus
from coopshop.extensions import db
from tests.conftest import login
from tests.factories import (
    gen_buyer,
    gen_coop_admin,
    gen_cooperative,
    gen_member,
    gen_municipality,
    gen_network_admin,
)
from tests.settlement.helpers import gen_report_and_batch

ADMIN_BLUEPRINTS = (
    "network",
    "members",
    "audit",
    "statements",
    "invoicing",
    "settlement",
    "payouts",
    "order_admin",
)
MEMBER_OWN_ENDPOINTS = {
    "members.my_dashboard",
    "statements.my_earnings",
    "statements.my_earnings_download",
    "settlement.my_settlement",
}
# A buyer's own documents: reachable by the buyer too, so not an admin-only view. Who may
# download an invoice is tested in tests/invoicing/test_views.py.
BUYER_OWN_ENDPOINTS = {"invoicing.invoice_pdf"}

# Text that only cooperative B's data contains: none of it may reach A's coordinator.
B_MARKERS = ("Beekdal", "Bertha Bosman", "Bosman Bakt", "Boris Brink", "Bram Beheerder")


@dataclass(frozen=True)
class World:
    """Two cooperatives, A and B, with a coordinator and members each, and a network admin."""

    a_id: int
    b_id: int
    admin_a: str
    admin_b: str
    network_admin: str
    member_a: str
    buyer: str
    b_member_id: int
    b_invited_member_id: int
    municipality_id: int
    rule_id: int
    b_report_id: int = 0
    b_batch_id: int = 0


def build_world(app: Flask) -> World:
    with app.app_context():
        municipality = gen_municipality(name="Stichtse Vecht")
        a = gen_cooperative(name="Coöperatie Aalsmeer")
        b = gen_cooperative(name="Coöperatie Beekdal")
        network_admin = gen_network_admin()
        member_a = gen_member(a, municipality, name="Anton Aalbers", trade_name="Aalbers Atelier")
        member_b = gen_member(b, municipality, name="Bertha Bosman", trade_name="Bosman Bakt")
        world = World(
            a_id=a.id,
            b_id=b.id,
            admin_a=gen_coop_admin(a, name="Annet Aanhaak").email,
            admin_b=gen_coop_admin(b, name="Bram Beheerder").email,
            network_admin=network_admin.email,
            member_a=member_a.user.email,
            buyer=gen_buyer().email,
            b_member_id=member_b.id,
            b_invited_member_id=0,
            municipality_id=municipality.id,
            rule_id=municipality.rule_versions[0].id,
        )
    with app.test_request_context():
        # Through the services, so that each cooperative has its own events in the audit log.
        actor = db.session.scalar(select(User).where(User.email == world.network_admin))
        invite(actor, world.a_id, "Anna Appel", "Appel Advies", world)
        invited_b = invite(actor, world.b_id, "Boris Brink", "Brink Borduurt", world)
        member_b = db.session.get(Member, world.b_member_id)
        member_services.set_member_status(actor, member_b, MemberStatus.LEFT)
    with app.app_context():
        # B's settled September and a payout batch, for the settlement and payout probes.
        report_id, batch_id = gen_report_and_batch(world.b_id, "2026-09", invited_b)
    return replace(world, b_invited_member_id=invited_b, b_report_id=report_id, b_batch_id=batch_id)


def invite(actor: User, cooperative_id: int, name: str, trade_name: str, world: World) -> int:
    values = {
        "name": name,
        "email": f"{name.split()[0].lower()}@voorbeeld.nl",
        "trade_name": trade_name,
        "municipality_id": world.municipality_id,
        "client_number": f"KL-{name.split()[1]}",
        "iban": None,
        "exemption_eligible": False,
        "exemption_end": None,
    }
    return member_services.invite_member(actor, cooperative_id, values).id


def database_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that a refused request changed nothing."""
    with app.app_context():
        return {
            table.name: [
                tuple(row)
                for row in db.session.execute(
                    table.select().order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in db.metadata.sorted_tables
        }


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """A request on B's data (or on network data): refused with ``status``, nothing changes."""

    url: str
    status: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OnlyOwnShown:
    """A page without ids: it shows the admin's own cooperative (``own``) and nothing of B's."""

    url: str
    own: tuple[str, ...] = ()


@dataclass(frozen=True)
class CreatedInOwn:
    """A form without ids: even when the request names B, the new account belongs to A."""

    url: str
    email: str
    data: dict[str, Any]


Probe = Refused | OnlyOwnShown | CreatedInOwn


def cooperative_form() -> dict[str, Any]:
    return {
        "name": "Coöperatie Beekdal (gekaapt)",
        "slug": "gekaapt",
        "street": "Dorpsstraat 1",
        "postcode": "3511 AX",
        "city": "Utrecht",
        "kvk_number": "81234567",
        "vat_id": "NL812345678B01",
        "iban": "NL91ABNA0417164300",
        "invoice_prefix": "GEK",
        "email": "info@gekaapt.nl",
    }


def rule_form() -> dict[str, Any]:
    return {
        "effective_from": "2026-07-01",
        "period": "month",
        "basis": "gross",
        "exemption": "100",
        "exemption_cap_cents": "9999,00",
        "exemption_max_months": "120",
        "offset": "0",
    }


def member_form(world: World, name: str, email: str) -> dict[str, Any]:
    return {
        "name": name,
        "email": email,
        "trade_name": f"{name} Handel",
        "municipality_id": world.municipality_id,
        "client_number": "KL-999",
        "cooperative_id": world.b_id,  # not a field of the form: must be ignored
    }


def cross_cooperative_requests(world: World) -> dict[tuple[str, str], Probe]:
    """(endpoint, method) -> what A's coordinator gets when aiming at B (needs a request context)."""
    municipality = {"municipality_id": world.municipality_id}
    rule = {**municipality, "rule_id": world.rule_id}
    b_coop = {"cooperative_id": world.b_id}
    b_member = {"member_id": world.b_member_id}
    details = {
        "trade_name": "Overgenomen",
        "municipality_id": world.municipality_id,
        "client_number": "KL-0",
    }
    return {
        # Network administration: network admins only.
        ("network.dashboard", "GET"): Refused(url_for("network.dashboard"), 403),
        ("network.new_cooperative", "GET"): Refused(url_for("network.new_cooperative"), 403),
        ("network.new_cooperative", "POST"): Refused(
            url_for("network.new_cooperative"), 403, cooperative_form()
        ),
        ("network.edit_cooperative", "GET"): Refused(
            url_for("network.edit_cooperative", **b_coop), 403
        ),
        ("network.edit_cooperative", "POST"): Refused(
            url_for("network.edit_cooperative", **b_coop), 403, cooperative_form()
        ),
        ("network.add_levy_rate", "POST"): Refused(
            url_for("network.add_levy_rate", **b_coop),
            403,
            {"levy": "99", "effective_from": "2026-07-01"},
        ),
        ("network.municipalities", "GET"): Refused(url_for("network.municipalities"), 403),
        ("network.new_municipality", "GET"): Refused(url_for("network.new_municipality"), 403),
        ("network.new_municipality", "POST"): Refused(
            url_for("network.new_municipality"), 403, {"name": "Nergens", "cbs_code": "GM9999"}
        ),
        ("network.edit_municipality", "GET"): Refused(
            url_for("network.edit_municipality", **municipality), 403
        ),
        ("network.edit_municipality", "POST"): Refused(
            url_for("network.edit_municipality", **municipality),
            403,
            {"name": "Hernoemd", "cbs_code": "GM9999"},
        ),
        ("network.new_rule_version", "GET"): Refused(
            url_for("network.new_rule_version", **municipality), 403
        ),
        ("network.new_rule_version", "POST"): Refused(
            url_for("network.new_rule_version", **municipality), 403, rule_form()
        ),
        ("network.edit_rule_version", "GET"): Refused(
            url_for("network.edit_rule_version", **rule), 403
        ),
        ("network.edit_rule_version", "POST"): Refused(
            url_for("network.edit_rule_version", **rule),
            403,
            {**rule_form(), "effective_from": "2026-01-01"},
        ),
        ("network.buyers", "GET"): Refused(url_for("network.buyers"), 403),
        # A cooperative's own members: B's are not found (their ids give nothing away).
        ("members.dashboard", "GET"): OnlyOwnShown(
            url_for("members.dashboard"), own=("Anton Aalbers", "Anna Appel")
        ),
        ("members.invite_member", "GET"): OnlyOwnShown(url_for("members.invite_member")),
        ("members.invite_member", "POST"): CreatedInOwn(
            url_for("members.invite_member"),
            "nieuw.lid@voorbeeld.nl",
            member_form(world, "Nieuw Lid", "nieuw.lid@voorbeeld.nl"),
        ),
        ("members.member_detail", "GET"): Refused(
            url_for("members.member_detail", **b_member), 404
        ),
        ("members.member_detail", "POST"): Refused(
            url_for("members.member_detail", **b_member), 404, details
        ),
        ("members.set_status", "POST"): Refused(
            url_for("members.set_status", **b_member, status="active"), 404
        ),
        ("members.resend_invitation", "POST"): Refused(
            url_for("members.resend_invitation", member_id=world.b_invited_member_id), 404
        ),
        ("members.invite_admin", "GET"): OnlyOwnShown(url_for("members.invite_admin")),
        ("members.invite_admin", "POST"): CreatedInOwn(
            url_for("members.invite_admin"),
            "nieuwe.coordinator@voorbeeld.nl",
            {
                "name": "Nieuwe Coördinator",
                "email": "nieuwe.coordinator@voorbeeld.nl",
                "cooperative_id": world.b_id,
            },
        ),
        # Statements of B's books: not found.
        ("statements.fund", "GET"): Refused(url_for("statements.fund", **b_coop), 404),
        ("statements.fund_download", "GET"): Refused(
            url_for("statements.fund_download", **b_coop, file_format="csv"), 404
        ),
        ("statements.member_overview", "GET"): Refused(
            url_for("statements.member_overview", **b_coop), 404
        ),
        ("statements.member_overview_download", "GET"): Refused(
            url_for("statements.member_overview_download", **b_coop, file_format="xlsx"), 404
        ),
        # Invoices of B: not found.
        ("invoicing.cooperative_invoices", "GET"): Refused(
            url_for("invoicing.cooperative_invoices", **b_coop), 404
        ),
        # Settlement of B: not found; the report list shows only A's reports.
        ("settlement.index", "GET"): Refused(url_for("settlement.index", **b_coop), 404),
        ("settlement.preview", "GET"): Refused(
            url_for("settlement.preview", **b_coop, periode="2026-10"), 404
        ),
        ("settlement.close", "POST"): Refused(
            url_for("settlement.close", **b_coop, period="2026-10"), 404, {"confirm": "y"}
        ),
        ("settlement.report_list", "GET"): OnlyOwnShown(url_for("settlement.report_list")),
        ("settlement.report", "GET"): Refused(
            url_for("settlement.report", report_id=world.b_report_id), 404
        ),
        ("settlement.report_download", "GET"): Refused(
            url_for("settlement.report_download", report_id=world.b_report_id, file_format="pdf"),
            404,
        ),
        ("settlement.correct_report", "POST"): Refused(
            url_for("settlement.correct_report", report_id=world.b_report_id),
            404,
            {"reason": "Overgenomen"},
        ),
        # Payouts of B: not found, and nothing is paid, booked or cancelled.
        ("payouts.index", "GET"): Refused(url_for("payouts.index", **b_coop), 404),
        ("payouts.create", "POST"): Refused(
            url_for("payouts.create", **b_coop), 404, {"execution_date": "2026-10-06"}
        ),
        ("payouts.threshold", "POST"): Refused(
            url_for("payouts.threshold", **b_coop), 404, {"threshold": "1,00"}
        ),
        ("payouts.batch", "GET"): Refused(url_for("payouts.batch", batch_id=world.b_batch_id), 404),
        ("payouts.export", "POST"): Refused(
            url_for("payouts.export", batch_id=world.b_batch_id), 404
        ),
        ("payouts.execute", "POST"): Refused(
            url_for("payouts.execute", batch_id=world.b_batch_id), 404
        ),
        ("payouts.cancel", "POST"): Refused(
            url_for("payouts.cancel", batch_id=world.b_batch_id), 404
        ),
        # Orders with lines of B's members, and refunds on them: not found.
        ("order_admin.index", "GET"): Refused(url_for("order_admin.index", **b_coop), 404),
        ("order_admin.order", "GET"): Refused(
            url_for("order_admin.order", **b_coop, reference="B-00000000"), 404
        ),
        ("order_admin.refund", "POST"): Refused(
            url_for("order_admin.refund", **b_coop, reference="B-00000000", line_id=1),
            404,
            {"amount": "1,00", "reason": "Terugbetaling"},
        ),
        # The audit log: only A's own events.
        ("audit.log", "GET"): OnlyOwnShown(
            url_for("audit.log"), own=("Lid uitgenodigd: Anna Appel",)
        ),
    }


def admin_routes(app: Flask) -> set[tuple[str, str]]:
    """Every (endpoint, method) of the admin blueprints in the URL map."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ADMIN_BLUEPRINTS
        and rule.endpoint not in MEMBER_OWN_ENDPOINTS | BUYER_OWN_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def probe_table(app: Flask, world: World) -> dict[tuple[str, str], Probe]:
    with app.test_request_context():
        return cross_cooperative_requests(world)


def send(client: FlaskClient, method: str, probe: Probe) -> Any:
    data = getattr(probe, "data", None) or {}
    return client.open(probe.url, method=method, data=data if method == "POST" else None)


def page_text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def check_probe(app: Flask, client: FlaskClient, world: World, method: str, probe: Probe) -> None:
    before = database_rows(app)
    response = send(client, method, probe)
    match probe:
        case Refused(status=status):
            assert response.status_code == status
            assert database_rows(app) == before
        case OnlyOwnShown(own=own):
            assert response.status_code == 200
            for marker in own:
                assert marker in page_text(response)
        case CreatedInOwn(email=email):
            assert response.status_code == 302
            with app.app_context():
                user = db.session.scalar(select(User).where(User.email == email))
                assert user.cooperative_id == world.a_id
                assert user.member is None or user.member.cooperative_id == world.a_id
    for marker in B_MARKERS:
        assert marker not in page_text(response)


# --- cooperative isolation ----------------------------------------------------------------------


def test_coop_admin_cannot_reach_another_cooperatives_data(app, client):
    world = build_world(app)
    table = probe_table(app, world)

    missing = admin_routes(app) - set(table)
    assert not missing, f"admin views without a scoping check: {sorted(missing)}"
    assert not set(table) - admin_routes(app), "the table names views that no longer exist"

    login(client, world.admin_a)
    for (endpoint, method), probe in table.items():
        try:
            check_probe(app, client, world, method, probe)
        except AssertionError as failure:
            raise AssertionError(f"{method} {endpoint} ({probe.url}): {failure}") from failure


def test_coop_admin_sees_only_own_members(app, client):
    world = build_world(app)
    login(client, world.admin_a)

    page = page_text(client.get("/cooperatie"))

    assert "Coöperatie Aalsmeer" in page
    assert "Anton Aalbers" in page
    assert "Anna Appel" in page
    assert "Leden (2)" in page
    assert "Bertha Bosman" not in page
    assert "Boris Brink" not in page
    assert "Bram Beheerder" not in page


def test_coop_admin_sees_only_own_events_in_the_log(app, client):
    world = build_world(app)
    login(client, world.admin_a)

    page = page_text(client.get("/logboek"))

    assert "Anna Appel" in page
    assert "Boris Brink" not in page
    assert "Lid vertrokken" not in page  # B's member left; A's coordinator does not hear of it


def test_network_admin_sees_the_members_of_every_cooperative(app, client):
    world = build_world(app)
    login(client, world.network_admin)

    response = client.get("/cooperatie")

    page = page_text(response)
    assert response.status_code == 200
    assert "Alle leden" in page
    for name in ("Anton Aalbers", "Anna Appel", "Bertha Bosman", "Boris Brink"):
        assert name in page
    assert "Coöperatie Aalsmeer" in page and "Coöperatie Beekdal" in page


def test_network_admin_sees_every_cooperatives_events(app, client):
    world = build_world(app)
    login(client, world.network_admin)

    page = page_text(client.get("/logboek"))

    assert "Lid uitgenodigd: Anna Appel" in page
    assert "Lid uitgenodigd: Boris Brink" in page
    assert "Lid vertrokken: Bosman Bakt" in page


def test_network_admin_may_open_another_cooperatives_member(app, client):
    world = build_world(app)
    login(client, world.network_admin)

    response = client.get(f"/cooperatie/leden/{world.b_member_id}")

    assert response.status_code == 200
    assert "Bertha Bosman" in page_text(response)


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member_a", "buyer"])
def test_members_and_buyers_are_refused_on_every_admin_view(app, client, who):
    world = build_world(app)
    table = probe_table(app, world)
    login(client, getattr(world, who))

    for (endpoint, method), probe in table.items():
        before = database_rows(app)
        response = send(client, method, probe)
        assert response.status_code == 403, f"{method} {endpoint}"
        assert "Geen toegang" in page_text(response)
        assert database_rows(app) == before, f"{method} {endpoint} changed the database"


def test_anonymous_visitors_are_sent_to_the_login_page(app, client):
    world = build_world(app)
    table = probe_table(app, world)

    for (endpoint, method), probe in table.items():
        before = database_rows(app)
        response = send(client, method, probe)
        assert response.status_code == 302, f"{method} {endpoint}"
        assert urlsplit(response.headers["Location"]).path == "/inloggen", f"{method} {endpoint}"
        assert database_rows(app) == before, f"{method} {endpoint} changed the database"


def test_member_is_refused_on_admin_pages_but_reaches_their_own(app, client):
    world = build_world(app)
    login(client, world.member_a)

    assert client.get("/cooperatie").status_code == 403
    assert client.get("/logboek").status_code == 403
    assert client.get("/netwerk/").status_code == 403
    assert client.get("/mijn").status_code == 200


def test_coop_admin_is_refused_on_network_pages(app, client):
    world = build_world(app)
    login(client, world.admin_a)

    for path in ("/netwerk/", "/netwerk/gemeenten", "/netwerk/kopers"):
        assert client.get(path).status_code == 403


def test_network_admin_cannot_invite_on_behalf_of_a_cooperative(app, client):
    world = build_world(app)
    login(client, world.network_admin)

    assert client.get("/cooperatie/leden/uitnodigen").status_code == 403
    assert client.get("/cooperatie/coordinatoren/uitnodigen").status_code == 403
