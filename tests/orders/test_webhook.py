"""The payment webhook: signatures, replays, retries and events in any order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import String, event, func, select

from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.orders.cart import CartEntry
from coopshop.orders.models import LineState, OrderEvent, OrderRefund, OrderState, StockState
from coopshop.payments.gateway import get_gateway
from coopshop.payments.models import SimulatedRefund, StoredEvent
from coopshop.payments.webhooks import process_stored_events, remember_event
from tests.conftest import BACKEND
from tests.orders.helpers import (
    WEBHOOK,
    counts,
    load_order,
    order_of,
    pay,
    post_event,
    session_object,
    signed_event,
    stock_of,
)


def order_state(app, reference: str) -> tuple[str, list[str], list[str]]:
    with app.app_context():
        order = load_order(reference)
        return (
            order.state,
            [line.state for line in order.lines],
            [line.stock_state for line in order.lines],
        )


def test_a_completed_payment_confirms_the_order_with_one_invoice_per_cooperative(app, client, shop):
    reference = order_of(
        app, CartEntry(shop.bag, 1, "shipping"), CartEntry(shop.mirror, 1, "pickup")
    )

    response = pay(client, app, reference)

    assert response.status_code == 200
    assert order_state(app, reference) == ("paid", ["open", "open"], ["sold", "sold"])
    with app.app_context():
        order = load_order(reference)
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert [invoice.number for invoice in invoices] == ["UTS-2026-00001", "AMM-2026-00001"]
        assert [invoice.gross_cents for invoice in invoices] == [12100 + 695, 7900]
        bag_invoice = invoices[0]
        assert [
            (line.description, line.vat_rate, line.gross_cents) for line in bag_invoice.lines
        ] == [
            ("Boodschappentas", "21", 12100),
            ("Verzendkosten", "21", 695),
        ]
        assert all(invoice.order_id == order.id for invoice in invoices)
        assert order.lines[0].invoice_line_id == bag_invoice.lines[0].id
        assert order.lines[0].shipping_invoice_line_id == bag_invoice.lines[1].id
        assert (order.paid_cents, order.payment_intent_id) == (
            order.total_cents,
            f"pi_sim_{reference}",
        )
        assert db.session.scalars(select(StoredEvent)).one().processed_at is not None
    assert counts(app) == {"invoices": 2, "entries": 2}


def test_a_bad_signature_is_refused_with_400_and_changes_nothing(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    payload = b'{"id": "evt_x", "type": "checkout.session.completed"}'

    response = client.post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": "t=1,v1=00"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert order_state(app, reference)[0] == "awaiting_payment"
    assert counts(app) == {"invoices": 0, "entries": 0}
    with app.app_context():
        assert db.session.scalars(select(StoredEvent)).all() == []


def test_the_same_event_twice_gives_one_invoice_and_one_ledger_entry(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))

    assert pay(client, app, reference, "evt_same").status_code == 200
    assert pay(client, app, reference, "evt_same").status_code == 200

    assert counts(app) == {"invoices": 1, "entries": 1}
    with app.app_context():
        assert len(db.session.scalars(select(StoredEvent)).all()) == 1


def test_completed_twice_with_other_event_ids_confirms_once(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    session = session_object(app, reference)

    post_event(client, app, "checkout.session.completed", session, "evt_1")
    post_event(client, app, "checkout.session.completed", session, "evt_2")
    post_event(client, app, "checkout.session.async_payment_succeeded", session, "evt_3")

    assert counts(app) == {"invoices": 1, "entries": 1}
    with app.app_context():
        pays = db.session.scalars(select(OrderEvent).where(OrderEvent.action == "pay")).all()
        assert len(pays) == 2  # the order's and its one line's, once
        assert len(db.session.scalars(select(StoredEvent)).all()) == 3


def test_an_unpaid_completed_session_waits_for_the_async_payment(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))

    post_event(
        client,
        app,
        "checkout.session.completed",
        session_object(app, reference, paid=False),
        "evt_1",
    )
    assert order_state(app, reference)[0] == "awaiting_payment"

    post_event(
        client,
        app,
        "checkout.session.async_payment_succeeded",
        session_object(app, reference),
        "evt_2",
    )
    assert order_state(app, reference)[0] == "paid"


def test_a_failed_async_payment_releases_the_stock(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 2, "pickup"))
    assert stock_of(app, shop.bag) == 1

    post_event(
        client,
        app,
        "checkout.session.async_payment_failed",
        session_object(app, reference, paid=False),
        "evt_1",
    )

    assert order_state(app, reference) == ("failed", ["void"], ["released"])
    assert stock_of(app, shop.bag) == 3
    assert counts(app) == {"invoices": 0, "entries": 0}


def test_an_expired_session_releases_the_stock_once(app, client, shop):
    reference = order_of(app, CartEntry(shop.mirror, 1, "pickup"))
    session = session_object(app, reference, paid=False, status="expired")

    post_event(client, app, "checkout.session.expired", session, "evt_1")
    post_event(client, app, "checkout.session.expired", session, "evt_2")

    assert order_state(app, reference) == ("expired", ["void"], ["released"])
    assert stock_of(app, shop.mirror) == 1


def test_completed_after_expired_reserves_again_when_the_stock_is_there(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    post_event(
        client, app, "checkout.session.expired", session_object(app, reference, paid=False), "evt_1"
    )
    assert stock_of(app, shop.bag) == 3

    pay(client, app, reference, "evt_2")

    assert order_state(app, reference) == ("paid", ["open"], ["sold"])
    assert stock_of(app, shop.bag) == 2
    assert counts(app) == {"invoices": 1, "entries": 1}


def test_completed_after_expired_is_refunded_at_once_when_the_stock_is_gone(app, client, shop):
    reference = order_of(app, CartEntry(shop.mirror, 1, "pickup"))
    post_event(
        client, app, "checkout.session.expired", session_object(app, reference, paid=False), "evt_1"
    )
    order_of(app, CartEntry(shop.mirror, 1, "pickup"))  # another buyer takes the last mirror

    pay(client, app, reference, "evt_2")

    assert order_state(app, reference) == ("expired", ["void"], ["released"])
    assert counts(app) == {"invoices": 0, "entries": 0}
    with app.app_context():
        refund = db.session.scalars(select(OrderRefund)).one()
        assert (refund.amount_cents, refund.state, refund.reference) == (
            7900,
            "done",
            f"refund:order:{load_order(reference).id}:late",
        )
        assert refund.confirmed_at is not None  # the simulator's charge.refunded came at once
        assert db.session.scalars(select(SimulatedRefund)).one().amount_cents == 7900
    assert stock_of(app, shop.mirror) == 0


def test_a_refund_event_before_the_completed_event_changes_nothing_and_the_payment_still_counts(
    app, client, shop
):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    session = session_object(app, reference)
    charge = {
        "id": "ch_unknown",
        "object": "charge",
        "payment_intent": session["payment_intent"],
        "amount_refunded": 500,
        "refunds": {"data": [{"id": "re_elsewhere", "amount": 500, "metadata": {}}]},
    }

    assert post_event(client, app, "charge.refunded", charge, "evt_1").status_code == 200
    pay(client, app, reference, "evt_2")

    assert order_state(app, reference)[0] == "paid"
    assert counts(app) == {"invoices": 1, "entries": 1}
    with app.app_context():
        assert db.session.scalars(select(OrderRefund)).all() == []
        assert all(event.processed_at for event in db.session.scalars(select(StoredEvent)))


def test_events_about_payments_that_are_not_orders_are_stored_and_ignored(app, client, shop):
    session = {
        "id": "cs_other",
        "metadata": {"order_id": "1", "reference": "someone-else"},
        "payment_status": "paid",
    }

    assert (
        post_event(client, app, "checkout.session.completed", session, "evt_1").status_code == 200
    )
    assert (
        post_event(client, app, "payment_intent.created", {"id": "pi_1"}, "evt_2").status_code
        == 200
    )

    with app.app_context():
        assert len(db.session.scalars(select(StoredEvent)).all()) == 2
    assert counts(app) == {"invoices": 0, "entries": 0}


def test_a_payment_of_another_amount_is_not_confirmed(app, client, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))

    post_event(
        client,
        app,
        "checkout.session.completed",
        session_object(app, reference, amount_total=100),
        "evt_1",
    )

    assert order_state(app, reference)[0] == "awaiting_payment"
    assert counts(app) == {"invoices": 0, "entries": 0}
    with app.app_context():
        mismatch = db.session.scalars(
            select(OrderEvent).where(OrderEvent.action == "amount_mismatch")
        ).one()
        assert mismatch.amount_cents == 100


def test_paying_through_the_simulator_page_confirms_in_the_same_request(app, client, shop):
    reference = order_of(app, CartEntry(shop.lesson, 1, "on_site"))
    with app.app_context():
        session_id = load_order(reference).checkout_session_id

    response = client.post(f"/betaalsimulator/{session_id}/betalen", data={"method": "ideal"})

    assert f"/bestelling/{reference}/" in response.headers["Location"]
    assert order_state(app, reference) == (OrderState.PAID, [LineState.OPEN], [StockState.NONE])


@contextmanager
def counted_statements(app) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs, counted at the cursor (an executemany
    is one), leaving out the connection pool's ``SELECT 1``."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("SELECT 1"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def two_cooperative_orders(app, client, shop, count: int) -> list[str]:
    """``count`` orders of the bag and a lesson (two cooperatives), once the ledger accounts
    exist (the first sale creates them)."""
    with app.app_context():
        db.session.get(Listing, shop.bag).stock = count + 1
        db.session.commit()
    earlier = order_of(
        app, CartEntry(shop.bag, 1, "shipping"), CartEntry(shop.lesson, 1, "on_site")
    )
    assert pay(client, app, earlier, "evt_earlier").status_code == 200
    return [
        order_of(app, CartEntry(shop.bag, 1, "shipping"), CartEntry(shop.lesson, 1, "on_site"))
        for _ in range(count)
    ]


def test_a_two_cooperative_confirmation_stays_within_its_statement_budget(app, client, shop):
    """The whole delivery (event stored and committed, then claimed, order paid, two invoices
    numbered, stored and booked, the members' income totals updated, three e-mails queued,
    event marked processed) in at most 24 SQL statements on SQLite and 26 on PostgreSQL (its
    advisory locks: the turn to work off events, taken twice, and the storing lock), all of
    them counted at the cursor; the same
    event again is only stored (and found to be there)."""
    [reference] = two_cooperative_orders(app, client, shop, 1)
    session = session_object(app, reference)

    with counted_statements(app) as first:
        response = post_event(client, app, "checkout.session.completed", session, "evt_budget")
    with counted_statements(app) as repeat:
        again = post_event(client, app, "checkout.session.completed", session, "evt_budget")

    assert (response.status_code, again.status_code) == (200, 200)
    assert len(first) <= (26 if BACKEND == "postgresql" else 24), "\n".join(first)
    assert len(repeat) == 1 and repeat[0].lstrip().startswith("INSERT INTO payment_event")
    assert order_state(app, reference) == ("paid", ["open", "open"], ["sold", "none"])
    assert counts(app) == {"invoices": 4, "entries": 4}


def test_confirmations_handled_together_take_no_statement_per_order(app, client, shop):
    """Stored events are worked off in a batch: ten two-cooperative confirmations take the
    same statements as one, and each order gets its own invoices with gapless numbers."""
    references = two_cooperative_orders(app, client, shop, 11)
    events = [
        signed_event(app, "checkout.session.completed", session_object(app, ref), f"evt_{ref}")
        for ref in references
    ]
    with app.test_request_context():

        def store(batch: list[tuple[bytes, str]]) -> None:
            for payload, signature in batch:
                remember_event(get_gateway().parse_event(payload, signature))
            db.session.commit()

        store(events[:1])
        with counted_statements(app) as one:
            assert process_stored_events() == 1
        store(events[1:])
        with counted_statements(app) as ten:
            assert process_stored_events() == 10

    assert len(ten) == len(one), "\n".join(ten)
    assert all(
        order_state(app, ref) == ("paid", ["open", "open"], ["sold", "none"]) for ref in references
    )
    assert counts(app) == {"invoices": 24, "entries": 24}
    with app.app_context():
        sequences = db.session.execute(
            select(Invoice.cooperative_id, Invoice.sequence, Invoice.order_id).order_by(Invoice.id)
        ).all()
        for cooperative_id in {row.cooperative_id for row in sequences}:
            numbers = [row.sequence for row in sequences if row.cooperative_id == cooperative_id]
            assert numbers == list(range(1, 13))
        per_order = Counter(row.order_id for row in sequences)
        assert set(per_order.values()) == {2}
        assert (
            db.session.scalar(
                select(func.count()).select_from(OrderEvent).where(OrderEvent.action == "pay")
            )
            == 12 * 3
        )
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output


def test_a_batch_keeps_the_order_of_events_for_the_same_order(app, client, shop):
    """Stored while nobody worked them off, then taken in one batch: the bag's order is
    confirmed once although two completed events came for it; the lesson's order expires and
    its late payment then confirms it again, in the order the events arrived."""
    bag = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    lesson = order_of(app, CartEntry(shop.lesson, 1, "on_site"))
    events = [
        ("checkout.session.completed", session_object(app, bag), "evt_1"),
        ("checkout.session.expired", session_object(app, lesson, paid=False), "evt_2"),
        ("checkout.session.completed", session_object(app, lesson), "evt_3"),
        ("checkout.session.completed", session_object(app, bag), "evt_4"),
    ]
    with app.test_request_context():
        for event_type, data_object, event_id in events:
            payload, signature = signed_event(app, event_type, data_object, event_id)
            remember_event(get_gateway().parse_event(payload, signature))
        db.session.commit()
        assert process_stored_events() == 4
        processed = db.session.scalars(select(StoredEvent.processed_at)).all()

    assert len(processed) == 4 and len(set(processed)) == 1  # one batch
    assert order_state(app, bag) == ("paid", ["open"], ["sold"])
    assert order_state(app, lesson) == ("paid", ["open"], ["none"])
    with app.app_context():
        actions = [
            (event.order_id, event.action)
            for event in db.session.scalars(
                select(OrderEvent).where(OrderEvent.order_line_id.is_(None)).order_by(OrderEvent.id)
            )
        ]
        lesson_id = load_order(lesson).id
    assert [action for order_id, action in actions if order_id == lesson_id] == [
        "placed",
        "expire",
        "pay",
    ]
    assert counts(app) == {"invoices": 2, "entries": 2}
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output


def test_times_written_by_a_batch_read_back_as_times_written_one_by_one(app, client, shop):
    """Status events and e-mails of a batch go in through the bulk insert: their times are
    stored in the same form as the ORM stores them, so they sort and read back alike."""
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))

    pay(client, app, reference)

    with app.app_context():
        order = load_order(reference)
        placed, paid = [
            event.at
            for event in db.session.scalars(
                select(OrderEvent)
                .where(OrderEvent.order_id == order.id, OrderEvent.order_line_id.is_(None))
                .order_by(OrderEvent.id)
            )
        ]
        stored = (
            db.session.execute(select(func.cast(OrderEvent.at, String)).order_by(OrderEvent.id))
            .scalars()
            .all()
        )
    assert placed <= paid
    if BACKEND == "sqlite":
        # One text form for every row (SQLite keeps times as text).
        assert len({len(text) for text in stored}) == 1, stored
    else:
        # A timestamptz as text: trailing zeros of the microseconds are left out, the zone not.
        assert all(text.endswith("+00") for text in stored), stored
