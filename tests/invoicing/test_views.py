"""Who may download an invoice PDF, and the cooperative's list of invoices."""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import unescape
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login
from tests.factories import (
    gen_buyer,
    gen_coop_admin,
    gen_cooperative,
    gen_member,
    gen_network_admin,
)
from tests.invoicing.helpers import BUSINESS_BUYER, credit, issue, line


@dataclass(frozen=True)
class World:
    """Cooperatives A and B with an invoice each; A's invoice has a credit note."""

    a_id: int
    b_id: int
    a_invoice: str
    a_credit_note: str
    b_invoice: str
    users: dict[str, str]


def build_world(app: Flask) -> World:
    with app.app_context():
        a = gen_cooperative(name="Coöperatie Aalsmeer", invoice_prefix="AAL")
        b = gen_cooperative(name="Coöperatie Beekdal", invoice_prefix="BEE")
        a_buyer, b_buyer = gen_buyer(), gen_buyer()
        a_member = gen_member(a)
        users = {
            "admin_a": gen_coop_admin(a).email,
            "admin_b": gen_coop_admin(b).email,
            "network_admin": gen_network_admin().email,
            "member_a": a_member.user.email,
            "buyer_a": a_buyer.email,
            "buyer_b": b_buyer.email,
        }
        a_invoice = issue(
            a, [line(a_member, 12100)], buyer=replace(BUSINESS_BUYER, user_id=a_buyer.id)
        )
        a_credit_note = credit(a_invoice, [(a_invoice.lines[0], 5000)])
        b_invoice = issue(
            b,
            [line(gen_member(b), 999)],
            buyer=replace(BUSINESS_BUYER, company_name="Bouwbedrijf Beekdal", user_id=b_buyer.id),
        )
        return World(a.id, b.id, a_invoice.number, a_credit_note.number, b_invoice.number, users)


def as_user(client: FlaskClient, world: World, who: str | None) -> FlaskClient:
    if who:
        login(client, world.users[who])
    return client


@pytest.mark.parametrize("who", ["admin_a", "network_admin", "buyer_a"])
def test_the_buyer_and_the_cooperatives_admins_download_the_pdf(app, client, who):
    world = build_world(app)
    as_user(client, world, who)

    for number in (world.a_invoice, world.a_credit_note):
        response = client.get(f"/facturen/{number}.pdf")

        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-")
        assert response.headers["Content-Disposition"] == f'inline; filename="{number}.pdf"'
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("who", ["admin_b", "buyer_b", "member_a"])
def test_anyone_else_is_told_the_invoice_does_not_exist(app, client, who):
    world = build_world(app)
    as_user(client, world, who)

    response = client.get(f"/facturen/{world.a_invoice}.pdf")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_an_unknown_number_is_not_found(app, client):
    world = build_world(app)
    as_user(client, world, "network_admin")

    assert client.get("/facturen/AAL-2026-99999.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(app, client):
    world = build_world(app)

    response = client.get(f"/facturen/{world.a_invoice}.pdf")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/inloggen"


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def test_the_coop_admin_lists_the_cooperatives_invoices_newest_first(app, client):
    world = build_world(app)
    as_user(client, world, "admin_a")

    response = client.get(f"/cooperatie/{world.a_id}/facturen")

    page = page_text(response)
    assert response.status_code == 200
    assert page.index(world.a_credit_note) < page.index(world.a_invoice)
    assert f'href="/facturen/{world.a_invoice}.pdf"' in page
    assert f"Creditnota op {world.a_invoice}" in page
    assert "Bakkerij De Koper B.V." in page
    assert "€ 121,00" in page and "€ -50,00" in page
    assert world.b_invoice not in page and "Bouwbedrijf Beekdal" not in page


def test_the_coop_admin_cannot_list_another_cooperatives_invoices(app, client):
    world = build_world(app)
    as_user(client, world, "admin_a")

    assert client.get(f"/cooperatie/{world.b_id}/facturen").status_code == 404


def test_the_network_admin_lists_any_cooperatives_invoices(app, client):
    world = build_world(app)
    as_user(client, world, "network_admin")

    page = page_text(client.get(f"/cooperatie/{world.b_id}/facturen"))

    assert world.b_invoice in page and world.a_invoice not in page


@pytest.mark.parametrize("who", ["member_a", "buyer_a"])
def test_members_and_buyers_cannot_list_invoices(app, client, who):
    world = build_world(app)
    as_user(client, world, who)

    assert client.get(f"/cooperatie/{world.a_id}/facturen").status_code == 403


def test_an_empty_list_says_there_are_no_invoices_yet(app, client):
    with app.app_context():
        cooperative = gen_cooperative()
        cooperative_id, email = cooperative.id, gen_coop_admin(cooperative).email
    login(client, email)

    page = page_text(client.get(f"/cooperatie/{cooperative_id}/facturen"))

    assert "Deze coöperatie heeft nog geen facturen gemaakt." in page
