"""Booking documents in the ledger: exactly the stored legs, and a ledger that stays sound."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from coopshop.extensions import db
from coopshop.invoicing.booking import book_credit_note, book_invoice
from coopshop.invoicing.errors import NotAnInvoice
from coopshop.invoicing.models import Invoice
from coopshop.ledger import accounts
from coopshop.ledger.balances import account_balance, member_pot
from coopshop.ledger.flows import SaleLine, refund_lines, sale_lines
from coopshop.ledger.models import JournalEntry
from coopshop.money import RefundSplit
from tests.factories import gen_cooperative, gen_member
from tests.invoicing.helpers import credit, issue, line


def booked(entry: JournalEntry) -> Counter[tuple[str, int, int | None, str | None]]:
    return Counter((p.account.code, p.amount_cents, p.member_id, p.leg) for p in entry.postings)


def as_codes(lines: list) -> Counter[tuple[str, int, int | None, str | None]]:
    return Counter((line.account, line.amount_cents, line.member_id, line.leg) for line in lines)


def mixed_invoice() -> tuple[Invoice, int, int]:
    """Two members, three rates: alice 2500 at 9 % and 999 at 0 %, bob 12100 at 21 %."""
    cooperative = gen_cooperative(levy_bp=1500)
    alice, bob = gen_member(cooperative), gen_member(cooperative)
    invoice = issue(cooperative, [line(alice, 2500, 9), line(bob, 12100, 21), line(alice, 999, 0)])
    return invoice, alice.id, bob.id


def test_book_invoice_posts_exactly_the_stored_legs(app):
    with app.app_context():
        invoice, alice, bob = mixed_invoice()
        coop = invoice.cooperative_id

        entry = book_invoice(invoice)
        db.session.commit()

        # Legs of the worked case "mixed rates": alice 206+0 VAT, 344+150 levy, 1950+849 member.
        assert booked(entry) == Counter(
            {
                (accounts.PSP_CLEARING, 15599, None, "gross"): 1,
                (accounts.vat_payable(coop), -206, alice, "vat"): 1,
                (accounts.support_fund(coop), -494, alice, "levy"): 1,
                (accounts.member_payable(alice), -2799, alice, "member"): 1,
                (accounts.vat_payable(coop), -2100, bob, "vat"): 1,
                (accounts.support_fund(coop), -1500, bob, "levy"): 1,
                (accounts.member_payable(bob), -8500, bob, "member"): 1,
            }
        )
        assert (entry.reference, entry.kind) == (f"invoice:{invoice.number}", "sale")
        assert (entry.booking_date, entry.invoice_id) == (invoice.issue_date, invoice.id)
        assert member_pot(alice) == sum(
            stored.member_cents for stored in invoice.lines if stored.member_id == alice
        )


def test_the_stored_legs_book_the_same_postings_as_the_ledgers_own_sale_flow(app):
    with app.app_context():
        invoice, _alice, _bob = mixed_invoice()
        sale = [SaleLine(s.member_id, s.gross_cents, s.vat_rate) for s in invoice.lines]

        entry = book_invoice(invoice)

        assert booked(entry) == as_codes(sale_lines(invoice.cooperative_id, invoice.levy_bp, sale))


def test_booking_an_invoice_twice_returns_the_entry_booked_before(app):
    with app.app_context():
        invoice, _alice, _bob = mixed_invoice()

        first = book_invoice(invoice)
        db.session.commit()

        assert book_invoice(invoice).id == first.id


def test_book_credit_note_reverses_exactly_the_credit_notes_legs(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)
        member = gen_member(cooperative)
        invoice = issue(cooperative, [line(member, 12100)])
        book_invoice(invoice)
        credit_note = credit(invoice, [(invoice.lines[0], 5000)])

        entry = book_credit_note(credit_note)
        db.session.commit()

        coop = cooperative.id
        assert booked(entry) == Counter(
            {
                (accounts.PSP_CLEARING, -5000, None, "gross"): 1,
                (accounts.vat_payable(coop), 868, member.id, "vat"): 1,
                (accounts.support_fund(coop), 620, member.id, "levy"): 1,
                (accounts.member_payable(member.id), 3512, member.id, "member"): 1,
            }
        )
        assert (entry.reference, entry.kind) == (f"credit:{credit_note.number}", "refund")
        assert (entry.booking_date, entry.invoice_id) == (date(2026, 3, 20), credit_note.id)
        assert member_pot(member.id) == 8500 - 3512


def test_the_credit_notes_legs_book_the_same_postings_as_the_ledgers_refund_flow(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])
        original = invoice.lines[0]
        first = credit(invoice, [(original, 3333)]).lines[0]
        second = credit(invoice, [(original, 4444)])
        before = RefundSplit(
            vat=-first.vat_cents, levy=-first.levy_cents, member=-first.member_cents
        )

        expected = refund_lines(
            cooperative.id, [original.split], [original.member_id], [4444], [before]
        )

        assert booked(book_credit_note(second)) == as_codes(expected)


def test_documents_are_booked_only_as_what_they_are(app):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])
        credit_note = credit(invoice, [(invoice.lines[0], 100)])

        with pytest.raises(NotAnInvoice):
            book_invoice(credit_note)
        with pytest.raises(NotAnInvoice):
            book_credit_note(invoice)


def test_the_ledger_check_passes_after_invoices_and_credit_notes(app, runner):
    with app.app_context():
        invoice, alice, bob = mixed_invoice()
        book_invoice(invoice)
        for refunds in (
            [(invoice.lines[0], 1000), (invoice.lines[1], 12100)],
            [(invoice.lines[0], 1500), (invoice.lines[2], 999)],
        ):
            book_credit_note(credit(invoice, refunds, commit=False))
            db.session.commit()
        assert account_balance(accounts.PSP_CLEARING) == 0
        assert (member_pot(alice), member_pot(bob)) == (0, 0)

    result = runner.invoke(args=["ledger", "check"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Ledger OK: 3 entries")
