"""``coopshop orders expire``: orders not paid within their payment window give their stock back."""

from __future__ import annotations

from datetime import timedelta

from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.orders.access import access_token
from coopshop.orders.cart import CartEntry
from tests.orders.helpers import load_order, order_of, pay, stock_of


def overdue(app, reference: str) -> None:
    with app.app_context():
        order = load_order(reference)
        order.payment_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_overdue_orders_are_expired_and_their_stock_released(app, runner, client, shop):
    with_session = order_of(app, CartEntry(shop.bag, 2, "pickup"))
    without_session = order_of(app, CartEntry(shop.mirror, 1, "pickup"), pay_page=False)
    in_time = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    overdue(app, with_session)
    overdue(app, without_session)

    result = runner.invoke(args=["orders", "expire"])

    assert "2 order(s) expired." in result.output
    with app.app_context():
        states = [load_order(ref).state for ref in (with_session, without_session, in_time)]
    assert states == ["expired", "expired", "awaiting_payment"]
    assert (stock_of(app, shop.bag), stock_of(app, shop.mirror)) == (2, 1)
    assert "0 order(s) expired." in runner.invoke(args=["orders", "expire"]).output


def test_a_paid_order_is_not_expired(app, runner, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    pay(client, app, reference)
    overdue(app, reference)

    assert "0 order(s) expired." in runner.invoke(args=["orders", "expire"]).output
    with app.app_context():
        assert load_order(reference).state == "paid"


def test_paying_after_the_payment_window_expires_the_order_instead(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    overdue(app, reference)
    with app.app_context():
        token_link = f"/bestelling/{reference}/{access_token(reference)}"

    response = client.post(f"{token_link}/betalen")

    assert response.headers["Location"].endswith(token_link)
    with app.app_context():
        assert load_order(reference).state == "expired"
    assert stock_of(app, shop.bag) == 3
    assert "Opnieuw proberen" in client.get(token_link).get_data(as_text=True)
