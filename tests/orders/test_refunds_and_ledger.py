"""Refunds (declined lines, cancellations, the cooperative's refunds) and the ledger after each,
to the cent of the worked cases; ``coopshop ledger check`` passes after all of them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.ledger.accounts import PSP_CLEARING, member_payable, support_fund, vat_payable
from coopshop.ledger.balances import account_balance
from coopshop.orders.cart import CartEntry
from coopshop.orders.errors import RefundNotPossible, TransitionNotAllowed
from coopshop.orders.handling import cancel_order, handle_line, refund_line
from coopshop.orders.history import Actor
from coopshop.orders.models import OrderRefund
from coopshop.payments.gateway import PaymentProviderError
from coopshop.payments.models import SimulatedRefund
from tests.conftest import login
from tests.orders.helpers import counts, load_order, order_of, pay, stock_of

COORDINATOR = Actor(None, "coop_admin")


def legs(document: Invoice) -> list[tuple[int, int, int, int]]:
    return [
        (line.gross_cents, line.vat_cents, line.levy_cents, line.member_cents)
        for line in document.lines
    ]


def balances(shop) -> dict[str, int]:
    return {
        "psp": account_balance(PSP_CLEARING),
        "vat": account_balance(vat_payable(shop.coop_a)),
        "levy": account_balance(support_fund(shop.coop_a)),
        "member": account_balance(member_payable(shop.member_a)),
    }


def paid_bag(app, client, shop) -> tuple[str, int]:
    """One bag (12100 at 21 %, levy 15 %), picked up, paid; returns (reference, line id)."""
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    pay(client, app, reference)
    with app.app_context():
        return reference, load_order(reference).lines[0].id


def check_ledger(app) -> None:
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "Ledger OK" in result.output


def test_a_sale_books_the_worked_case_to_the_cent(app, client, shop):
    paid_bag(app, client, shop)

    with app.app_context():
        invoice = db.session.scalars(select(Invoice)).one()
        assert legs(invoice) == [(12100, 2100, 1500, 8500)]
        assert balances(shop) == {"psp": 12100, "vat": -2100, "levy": -1500, "member": -8500}
    check_ledger(app)


def test_partial_refunds_reverse_every_leg_pro_rata_to_the_cent(app, client, shop):
    _, line_id = paid_bag(app, client, shop)

    with app.test_request_context():
        refund_line(shop.coop_a, line_id, 5000, "Kras op de tas", COORDINATOR)
        first = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).one()
        assert legs(first) == [(-5000, -868, -620, -3512)]
        assert first.number == "UTS-2026-00002" and first.credit_reason == "Kras op de tas"
        assert balances(shop) == {"psp": 7100, "vat": -1232, "levy": -880, "member": -4988}

        refund_line(shop.coop_a, line_id, 7100, "Toch alles terug", COORDINATOR)
        assert balances(shop) == {"psp": 0, "vat": 0, "levy": 0, "member": 0}
        refunds = db.session.scalars(select(OrderRefund).order_by(OrderRefund.id)).all()
        assert [(r.reference, r.amount_cents, r.state) for r in refunds] == [
            (f"refund:{line_id}:1", 5000, "done"),
            (f"refund:{line_id}:2", 7100, "done"),
        ]
        assert all(r.confirmed_at is not None for r in refunds)  # charge.refunded came back
        provider = db.session.scalars(
            select(SimulatedRefund).order_by(SimulatedRefund.created_at)
        ).all()
        assert [(p.reference, p.amount_cents) for p in provider] == [
            (f"refund:{line_id}:1", 5000),
            (f"refund:{line_id}:2", 7100),
        ]
    check_ledger(app)


def test_a_refund_can_never_exceed_what_is_left_and_then_nothing_changes(app, client, shop):
    _, line_id = paid_bag(app, client, shop)
    with app.test_request_context():
        refund_line(shop.coop_a, line_id, 12000, "Bijna alles", COORDINATOR)
        before = counts(app)

        with pytest.raises(RefundNotPossible) as refused:
            refund_line(shop.coop_a, line_id, 101, "Te veel", COORDINATOR)

        assert "nog € 1,00 over" in refused.value.message
        assert counts(app) == before
        assert len(db.session.scalars(select(SimulatedRefund)).all()) == 1


def test_the_admin_refund_form_shows_what_is_left_when_asked_for_too_much(app, client, shop):
    reference, line_id = paid_bag(app, client, shop)
    login(client, shop.admin_a_email)

    response = client.post(
        f"/cooperatie/{shop.coop_a}/bestellingen/{reference}/regels/{line_id}/terugbetalen",
        data={f"terug-{line_id}-amount": "121,01", f"terug-{line_id}-reason": "Te veel"},
    )

    assert response.status_code == 400
    assert "nog € 121,00 over om terug te betalen" in response.get_data(as_text=True)
    assert counts(app)["invoices"] == 1


def test_a_declined_line_is_refunded_with_its_shipping_on_one_credit_note(app, client, shop):
    reference = order_of(
        app, CartEntry(shop.bag, 2, "shipping"), CartEntry(shop.mirror, 1, "pickup")
    )
    pay(client, app, reference)
    with app.test_request_context():
        order = load_order(reference)
        fatima = db.session.get(Member, shop.member_a)
        handle_line(
            fatima, order.lines[0].id, "decline", Actor(fatima.user_id, "member"), "Stof is op"
        )

        order = load_order(reference)
        assert [line.state for line in order.lines] == ["declined", "open"]
        assert order.lines[0].decline_reason == "Stof is op"
        note = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).one()
        assert [(line.description, line.gross_cents) for line in note.lines] == [
            ("Boodschappentas", -24200),
            ("Verzendkosten", -695),
        ]
        assert note.corrects.number == "UTS-2026-00001"
        assert balances(shop) == {"psp": 7900, "vat": 0, "levy": 0, "member": 0}
        assert order.state == "paid"  # Maria still has to deliver the mirror
    check_ledger(app)


def test_a_declined_line_goes_back_in_stock_and_the_other_line_stays_sold(app, client, shop):
    reference = order_of(
        app, CartEntry(shop.bag, 2, "shipping"), CartEntry(shop.mirror, 1, "pickup")
    )
    pay(client, app, reference)
    assert (stock_of(app, shop.bag), stock_of(app, shop.mirror)) == (1, 0)

    with app.test_request_context():
        order = load_order(reference)
        fatima = db.session.get(Member, shop.member_a)
        actor = Actor(fatima.user_id, "member")
        handle_line(fatima, order.lines[0].id, "decline", actor, "Stof is op")
        order = load_order(reference)
        assert [line.stock_state for line in order.lines] == ["released", "sold"]
        # Declining again is refused and gives nothing back a second time.
        with pytest.raises(TransitionNotAllowed):
            handle_line(fatima, order.lines[0].id, "decline", actor, "Nog eens")
    # Both bags are back; the mirror, still to be delivered, stays sold.
    assert (stock_of(app, shop.bag), stock_of(app, shop.mirror)) == (3, 0)
    check_ledger(app)


def test_declining_needs_a_reason_and_a_state_that_allows_it(app, client, shop):
    reference, line_id = paid_bag(app, client, shop)
    with app.test_request_context():
        fatima = db.session.get(Member, shop.member_a)
        actor = Actor(fatima.user_id, "member")
        handle_line(fatima, line_id, "deliver", actor)
        with pytest.raises(TransitionNotAllowed):
            handle_line(fatima, line_id, "decline", actor, "Te laat bedacht")
        assert load_order(reference).state == "completed"
    assert counts(app) == {"invoices": 1, "entries": 1}


def test_the_buyer_cancels_before_delivery_and_gets_everything_back(app, client, shop):
    reference = order_of(
        app, CartEntry(shop.bag, 1, "shipping"), CartEntry(shop.mirror, 1, "pickup")
    )
    pay(client, app, reference)
    assert stock_of(app, shop.mirror) == 0

    with app.test_request_context():
        cancel_order(load_order(reference).id, Actor(None, "buyer"), "Verkeerd besteld")

        order = load_order(reference)
        assert order.state == "cancelled"
        assert [line.state for line in order.lines] == ["cancelled", "cancelled"]
        notes = db.session.scalars(
            select(Invoice).where(Invoice.kind == "credit_note").order_by(Invoice.id)
        ).all()
        assert [(note.number, note.gross_cents) for note in notes] == [
            ("UTS-2026-00002", -12795),
            ("AMM-2026-00002", -7900),
        ]
        assert account_balance(PSP_CLEARING) == 0
    assert (stock_of(app, shop.bag), stock_of(app, shop.mirror)) == (3, 1)
    check_ledger(app)


def test_a_refund_the_provider_refuses_changes_nothing(app, client, shop, monkeypatch):
    _, line_id = paid_bag(app, client, shop)

    def refuse(*args, **kwargs):
        raise PaymentProviderError("Geweigerd")

    monkeypatch.setattr("coopshop.payments.simulator.Simulator.refund", refuse)
    before = counts(app)
    with app.test_request_context():
        with pytest.raises(PaymentProviderError):
            refund_line(shop.coop_a, line_id, 1000, "Kras", COORDINATOR)
        assert db.session.scalars(select(OrderRefund)).all() == []
    assert counts(app) == before
