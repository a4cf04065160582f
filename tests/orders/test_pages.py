"""The pages: the cart (merged on log-in), the buyer's order page by its secret link, the
member's own lines, the coordinator's scoped view."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.orders.access import access_token
from coopshop.orders.cart import CartEntry
from coopshop.orders.history import Actor
from coopshop.orders.models import CartItem
from tests.conftest import login
from tests.factories import gen_buyer
from tests.orders.helpers import load_order, order_of, pay, post_event, session_object


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def link(reference: str, app) -> str:
    with app.app_context():
        return f"/bestelling/{reference}/{access_token(reference)}"


def test_the_listing_page_has_the_order_form_and_the_header_counts_the_cart(app, client, shop):
    with app.app_context():
        slug = db.session.get(Listing, shop.bag).slug
    page = text(client.get(f"/aanbod/{shop.bag}/{slug}"))
    assert f'action="/winkelwagen/toevoegen/{shop.bag}"' in page
    assert "Opsturen (€ 6,95)" in page

    client.post(f"/winkelwagen/toevoegen/{shop.bag}", data={"quantity": 2, "delivery": "pickup"})

    assert "Winkelwagen (2)" in text(client.get("/"))
    cart = text(client.get("/winkelwagen"))
    assert "Boodschappentas" in cart and "€ 242,00" in cart


def test_a_sold_out_listing_has_no_order_form(app, client, shop):
    order_of(app, CartEntry(shop.mirror, 1, "pickup"))
    with app.app_context():
        slug = db.session.get(Listing, shop.mirror).slug
    page = text(client.get(f"/aanbod/{shop.mirror}/{slug}"))
    assert "uitverkocht" in page and "/winkelwagen/toevoegen/" not in page


def test_the_guest_cart_is_merged_into_the_account_on_log_in(app, client, shop):
    with app.app_context():
        buyer = gen_buyer(email="bea@voorbeeld.nl")
        db.session.add(
            CartItem(user_id=buyer.id, listing_id=shop.bag, quantity=1, delivery="pickup")
        )
        db.session.commit()
    client.post(f"/winkelwagen/toevoegen/{shop.bag}", data={"quantity": 2, "delivery": "shipping"})
    client.post(
        f"/winkelwagen/toevoegen/{shop.lesson}", data={"quantity": 1, "delivery": "on_site"}
    )

    login(client, "bea@voorbeeld.nl")

    with app.app_context():
        items = db.session.scalars(select(CartItem).order_by(CartItem.listing_id)).all()
        assert [(i.listing_id, i.quantity, i.delivery) for i in items] == [
            (shop.bag, 2, "shipping"),
            (shop.lesson, 1, "on_site"),
        ]
    assert "Winkelwagen (3)" in text(client.get("/"))


def test_cart_lines_can_be_changed_and_removed(client, shop):
    client.post(f"/winkelwagen/toevoegen/{shop.bag}", data={"quantity": 1, "delivery": "pickup"})

    client.post(
        f"/winkelwagen/{shop.bag}",
        data={f"regel-{shop.bag}-quantity": 3, f"regel-{shop.bag}-delivery": "shipping"},
    )
    assert "Winkelwagen (3)" in text(client.get("/"))
    refused = client.post(
        f"/winkelwagen/{shop.bag}",
        data={f"regel-{shop.bag}-quantity": 4, f"regel-{shop.bag}-delivery": "pickup"},
        follow_redirects=True,
    )
    assert "zijn er nog 3" in text(refused)

    client.post(f"/winkelwagen/{shop.bag}/verwijderen")
    assert "Uw winkelwagen is leeg" in text(client.get("/winkelwagen"))


def test_the_order_page_needs_the_secret_link(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    pay(client, app, reference)

    assert client.get(f"/bestelling/{reference}/{'0' * 32}").status_code == 404
    page = text(client.get(link(reference, app)))
    assert (
        "Betaald" in page and "Wacht op de ondernemer" in page and "Factuur UTS-2026-00001" in page
    )

    pdf = client.get(f"{link(reference, app)}/documenten/UTS-2026-00001.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert client.get(f"{link(reference, app)}/documenten/AMM-2026-00001.pdf").status_code == 404


def test_an_unpaid_order_can_go_back_into_the_cart(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 2, "shipping"))
    post_event(
        client, app, "checkout.session.expired", session_object(app, reference, paid=False), "evt_1"
    )

    assert "Opnieuw proberen" in text(client.get(f"{link(reference, app)}?geannuleerd=1"))
    client.post(f"{link(reference, app)}/opnieuw")

    assert "Winkelwagen (2)" in text(client.get("/"))


def test_the_buyer_cancels_on_the_order_page(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    pay(client, app, reference)

    response = client.post(
        f"{link(reference, app)}/annuleren",
        data={"reason": "Dubbel besteld"},
        follow_redirects=True,
    )

    page = text(response)
    assert "Uw bestelling is geannuleerd" in page and "Creditnota UTS-2026-00002" in page
    with app.app_context():
        assert load_order(reference).state == "cancelled"


def test_an_account_finds_its_orders_under_mijn_bestellingen(app, client, shop):
    with app.app_context():
        actor = Actor(gen_buyer(email="bea@voorbeeld.nl").id, "buyer")
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"), actor=actor)
    login(client, "bea@voorbeeld.nl")

    page = text(client.get("/mijn-bestellingen"))

    assert reference in page and "Wacht op betaling" in page
    assert "Mijn bestellingen" in page  # in the menu


def test_a_member_sees_and_handles_only_their_own_lines(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"), CartEntry(shop.mirror, 1, "pickup"))
    pay(client, app, reference)
    with app.app_context():
        bag_line, mirror_line = (line.id for line in load_order(reference).lines)
    login(client, shop.member_a_email)

    listing = text(client.get("/mijn/bestellingen"))
    page = text(client.get(f"/mijn/bestellingen/{reference}"))
    assert reference in listing and "Boodschappentas" in page and "Mozaïek spiegel" not in page
    assert "Karin de Koper" in page and "030 123 45 67" in page

    other = f"/mijn/bestellingen/{reference}/regels/{mirror_line}"
    assert client.post(f"{other}/accepteren").status_code == 404
    assert (
        client.post(f"{other}/weigeren", data={f"weigeren-{mirror_line}-reason": "Nee"}).status_code
        == 404
    )
    client.post(f"/mijn/bestellingen/{reference}/regels/{bag_line}/accepteren")

    with app.app_context():
        assert [line.state for line in load_order(reference).lines] == ["accepted", "open"]
    assert "Geaccepteerd" in text(client.get(f"/mijn/bestellingen/{reference}"))


def test_declining_without_a_reason_shows_the_form_again(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    pay(client, app, reference)
    with app.app_context():
        line_id = load_order(reference).lines[0].id
    login(client, shop.member_a_email)

    response = client.post(
        f"/mijn/bestellingen/{reference}/regels/{line_id}/weigeren",
        data={f"weigeren-{line_id}-reason": ""},
    )

    assert response.status_code == 400
    assert "Schrijf op waarom u dit niet kunt leveren" in text(response)


def test_a_member_without_lines_in_the_order_gets_not_found(app, client, shop):
    reference = order_of(app, CartEntry(shop.mirror, 1, "pickup"))
    pay(client, app, reference)
    login(client, shop.member_a_email)

    assert client.get(f"/mijn/bestellingen/{reference}").status_code == 404


def test_a_coordinator_sees_only_the_lines_of_their_own_members(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"), CartEntry(shop.mirror, 1, "pickup"))
    pay(client, app, reference)
    login(client, shop.admin_b_email)

    listing = text(client.get(f"/cooperatie/{shop.coop_b}/bestellingen"))
    page = text(client.get(f"/cooperatie/{shop.coop_b}/bestellingen/{reference}"))

    assert (
        reference in listing and "Mozaïek spiegel" in listing and "Boodschappentas" not in listing
    )
    assert "Mozaïek spiegel" in page and "Boodschappentas" not in page
    assert "AMM-2026-00001" in page and "UTS-2026-00001" not in page
    assert client.get(f"/cooperatie/{shop.coop_a}/bestellingen").status_code == 404
    assert client.get(f"/cooperatie/{shop.coop_a}/bestellingen/{reference}").status_code == 404


def test_a_coordinator_whose_cooperative_is_not_in_the_order_gets_not_found(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    pay(client, app, reference)
    login(client, shop.admin_b_email)

    assert client.get(f"/cooperatie/{shop.coop_b}/bestellingen/{reference}").status_code == 404


def test_a_coordinator_cannot_refund_another_cooperatives_line(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    pay(client, app, reference)
    with app.app_context():
        line_id = load_order(reference).lines[0].id
    login(client, shop.admin_b_email)

    response = client.post(
        f"/cooperatie/{shop.coop_b}/bestellingen/{reference}/regels/{line_id}/terugbetalen",
        data={f"terug-{line_id}-amount": "1,00", f"terug-{line_id}-reason": "Poging"},
    )

    assert response.status_code == 404
    with app.app_context():
        assert load_order(reference).lines[0].state == "open"
