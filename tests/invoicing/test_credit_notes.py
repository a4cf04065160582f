"""Credit notes: negative invoices that reverse every leg of what they correct, exactly."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from coopshop.extensions import db
from coopshop.invoicing.errors import (
    EmptyInvoice,
    InvalidCreditNote,
    NotAnInvoice,
    RefundExceedsInvoice,
)
from coopshop.invoicing.models import Invoice, InvoiceKind, InvoiceLine
from coopshop.invoicing.queries import (
    credit_notes_of,
    credited_so_far,
    remaining_gross,
    remaining_line_gross,
    vat_totals,
)
from coopshop.money import RefundSplit, VatRate
from tests.conftest import BACKEND
from tests.core.cases import REFUND_CASES, case_id
from tests.factories import gen_cooperative, gen_member
from tests.invoicing.helpers import credit, issue, legs, line
from tests.ledger.test_database import wait_for_a_blocked_transaction


@pytest.mark.parametrize("case", REFUND_CASES, ids=case_id)
def test_the_worked_refund_cases_store_the_negated_legs(app, case):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=case["levy_bp"])
        member = gen_member(cooperative)
        invoice = issue(
            cooperative, [line(member, case["line"]["gross_cents"], case["line"]["vat_rate"])]
        )
        assert legs(invoice.lines[0]) == case["original"]

        credit_note = credit(invoice, [(invoice.lines[0], case["refund_gross_cents"])])

        expected = case["expected"]
        refunded = sum(expected.values())
        assert legs(credit_note.lines[0]) == {
            "gross": -refunded,
            "vat": -expected["vat"],
            "ex_vat": -(expected["levy"] + expected["member"]),
            "levy": -expected["levy"],
            "member": -expected["member"],
        }
        assert credited_so_far(invoice.lines[0]) == RefundSplit(**expected)


def test_a_partial_credit_note_of_5000_takes_868_vat_620_levy_3512_member(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])

        credit_note = credit(invoice, [(invoice.lines[0], 5000)])

        assert credit_note.kind == InvoiceKind.CREDIT_NOTE
        assert credit_note.corrects_invoice_id == invoice.id
        assert (credit_note.gross_cents, credit_note.vat_cents) == (-5000, -868)
        assert (credit_note.lines[0].levy_cents, credit_note.lines[0].member_cents) == (-620, -3512)
        assert remaining_gross(invoice) == 7100
        assert remaining_line_gross(invoice.lines[0]) == 7100


def test_a_full_credit_note_mirrors_the_invoice(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1250)
        member = gen_member(cooperative)
        invoice = issue(
            cooperative, [line(member, 1, 21), line(member, 333, 21), line(member, 77777, 9)]
        )

        credit_note = credit(invoice, [(stored, stored.gross_cents) for stored in invoice.lines])

        for original, reversal in zip(invoice.lines, credit_note.lines, strict=True):
            assert legs(reversal) == {key: -value for key, value in legs(original).items()}
            assert reversal.corrects_line_id == original.id
            assert (reversal.vat_rate, reversal.member_id) == (
                original.vat_rate,
                original.member_id,
            )
        assert [tuple(group)[1:] for group in vat_totals(credit_note)] == [
            tuple(-amount for amount in tuple(group)[1:]) for group in vat_totals(invoice)
        ]
        assert remaining_gross(invoice) == 0


@pytest.mark.parametrize(
    "steps",
    [
        [3333, 3333, 3333, 2101],
        [1, 1, 1, 12097],
        [6050, 6050],
        [12099, 1],
        [4033, 4033, 4034],
    ],
)
def test_successive_partial_credit_notes_that_add_up_to_the_line_reverse_every_leg(app, steps):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])
        original = invoice.lines[0]

        for step in steps:
            credit(invoice, [(original, step)])

        credited = db.session.execute(
            select(
                func.sum(InvoiceLine.gross_cents),
                func.sum(InvoiceLine.vat_cents),
                func.sum(InvoiceLine.ex_vat_cents),
                func.sum(InvoiceLine.levy_cents),
                func.sum(InvoiceLine.member_cents),
            ).where(InvoiceLine.corrects_line_id == original.id)
        ).one()
        assert [-amount for amount in credited] == [12100, 2100, 10000, 1500, 8500]
        assert credited_so_far(original) == RefundSplit(vat=2100, levy=1500, member=8500)
        assert remaining_gross(invoice) == 0
        assert len(credit_notes_of(invoice)) == len(steps)


def test_every_partial_credit_note_takes_at_most_what_is_left_of_each_leg(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1000)
        member = gen_member(cooperative)
        invoice = issue(cooperative, [line(member, 1000), line(member, 1000), line(member, 1000)])

        for _ in range(3):
            credit_note = credit(invoice, [(stored, 333) for stored in invoice.lines])
            for credit_line in credit_note.lines:
                assert credit_line.vat_cents <= 0
                assert credit_line.levy_cents <= 0
                assert credit_line.member_cents <= 0
        last = credit(invoice, [(stored, 1) for stored in invoice.lines])

        assert remaining_gross(invoice) == 0
        for stored in invoice.lines:
            done = credited_so_far(stored)
            assert (done.vat, done.levy, done.member) == (
                stored.vat_cents,
                stored.levy_cents,
                stored.member_cents,
            )
        assert last.gross_cents == -3


def test_a_refund_above_what_is_left_is_refused_and_nothing_is_stored(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])
        first = credit(invoice, [(invoice.lines[0], 5000)])

        with pytest.raises(RefundExceedsInvoice, match="€ 71,00 over"):
            credit(invoice, [(invoice.lines[0], 7101)])
        db.session.rollback()

        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 2
        assert remaining_gross(invoice) == 7100
        # The refused credit note took no number: the next one follows the first.
        second = credit(invoice, [(invoice.lines[0], 7100)])
        assert second.sequence == first.sequence + 1


def test_a_refund_above_the_line_is_refused_even_when_the_invoice_has_more(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        invoice = issue(cooperative, [line(member, 1000), line(member, 5000)])

        with pytest.raises(RefundExceedsInvoice):
            credit(invoice, [(invoice.lines[0], 1001)])


@pytest.mark.parametrize("cents", [0, -100])
def test_a_refund_must_be_positive(app, cents):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 1000)])

        with pytest.raises(InvalidCreditNote):
            credit(invoice, [(invoice.lines[0], cents)])


def test_a_line_of_another_invoice_cannot_be_credited(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        invoice, other = (
            issue(cooperative, [line(member, 1000)]),
            issue(cooperative, [line(member, 1000)]),
        )

        with pytest.raises(InvalidCreditNote):
            credit(invoice, [(other.lines[0], 100)])


def test_a_line_named_twice_on_one_credit_note_is_refused(app):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 1000)])

        with pytest.raises(InvalidCreditNote):
            credit(invoice, [(invoice.lines[0], 100), (invoice.lines[0], 100)])


def test_a_credit_note_needs_a_refund_a_reason_and_a_date_after_the_invoice(app):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 1000)])

        with pytest.raises(EmptyInvoice):
            credit(invoice, [])
        with pytest.raises(InvalidCreditNote):
            credit(invoice, [(invoice.lines[0], 100)], reason=" ")
        with pytest.raises(InvalidCreditNote):
            credit(invoice, [(invoice.lines[0], 100)], issue_date=date(2026, 3, 9))


def test_a_credit_note_cannot_itself_be_credited(app):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 1000)])
        credit_note = credit(invoice, [(invoice.lines[0], 100)])

        with pytest.raises(NotAnInvoice):
            credit(credit_note, [(credit_note.lines[0], 100)])


def test_a_credit_note_copies_the_buyer_and_shows_whole_units_as_units(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        invoice = issue(cooperative, [line(member, 3000, 9, quantity=3)], order_id=42)

        credit_note = credit(invoice, [(invoice.lines[0], 2000)], reason="Twee stuks retour")
        partial = credit(invoice, [(invoice.lines[0], 250)])

        assert (credit_note.buyer_name, credit_note.buyer_vat_id) == (
            invoice.buyer_name,
            invoice.buyer_vat_id,
        )
        assert (credit_note.order_id, credit_note.credit_reason) == (42, "Twee stuks retour")
        assert credit_note.delivery_date == invoice.delivery_date
        assert (credit_note.lines[0].quantity, credit_note.lines[0].unit_gross_cents) == (2, -1000)
        assert (partial.lines[0].quantity, partial.lines[0].unit_gross_cents) == (1, -250)
        assert partial.lines[0].rate is VatRate.REDUCED


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite has one writer; the race needs PostgreSQL"
)
def test_two_credit_notes_at_once_cannot_both_take_the_rest_of_a_line(app):
    """The second waits for the first (the invoice row is locked), then finds nothing left."""
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])
        invoice_id = invoice.id
    holding = threading.Event()
    results: dict[str, object] = {}

    def credit_the_rest(name: str) -> None:
        with app.app_context():
            invoice = db.session.get_one(Invoice, invoice_id)
            try:
                credit_note = credit(invoice, [(invoice.lines[0], 12100)], commit=False)
                results[name] = credit_note.number
                if name == "first":
                    holding.set()
                    wait_for_a_blocked_transaction()
                db.session.commit()
            except RefundExceedsInvoice as error:
                results[name] = type(error).__name__
            finally:
                holding.set()

    first = threading.Thread(target=credit_the_rest, args=("first",))
    first.start()
    assert holding.wait(10)
    second = threading.Thread(target=credit_the_rest, args=("second",))
    second.start()
    first.join()
    second.join()

    assert results["second"] == "RefundExceedsInvoice"
    assert str(results["first"]).endswith("-2026-00002")
    with app.app_context():
        assert remaining_gross(db.session.get_one(Invoice, invoice_id)) == 0
