"""Late credit notes book into the next open month and are listed there as corrections;
a report is corrected by a new version that names the one it replaces."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coopshop.extensions import db
from coopshop.invoicing.booking import book_credit_note, book_invoice
from coopshop.ledger.models import JournalEntry
from coopshop.settlement import reports
from coopshop.settlement.errors import NoCorrectionReason, ReportReplaced
from coopshop.settlement.queries import months_used
from tests.factories import gen_coop_admin, gen_cooperative, gen_member, gen_municipality
from tests.invoicing.helpers import credit, issue, line
from tests.settlement.helpers import (
    book_income,
    close,
    line_of,
    mid_month,
    pdf_text,
    reports_of,
)


def invoiced_september():
    """An invoice of 12100 at 21 % (levy 15 %: member income 8500) paid in September."""
    municipality = gen_municipality(name="Utrecht")
    cooperative = gen_cooperative()
    member = gen_member(cooperative, municipality, name="Fatima el Amrani")
    invoice = issue(cooperative, [line(member, 12_100)], issue_date=date(2026, 9, 10))
    book_invoice(invoice)
    db.session.commit()
    return cooperative, member, invoice


def test_a_credit_note_dated_in_a_closed_month_books_into_the_next_open_one(app):
    with app.app_context():
        cooperative, _member, invoice = invoiced_september()
        close(cooperative, "2026-09")

        note = credit(invoice, [(invoice.lines[0], 12_100)], issue_date=date(2026, 9, 28))
        entry = book_credit_note(note)
        db.session.commit()

        assert entry.booking_date == date(2026, 10, 1)
        assert entry.period == "2026-10"
        # Booking it again (a retried webhook) returns the same entry, not a conflict.
        assert book_credit_note(note).id == entry.id


def test_the_next_months_report_lists_the_correction_and_carries_no_offset(app):
    with app.app_context():
        cooperative, member, invoice = invoiced_september()
        (september,) = close(cooperative, "2026-09")
        note = credit(invoice, [(invoice.lines[0], 12_100)], issue_date=date(2026, 9, 28))
        book_credit_note(note)
        db.session.commit()

        (october,) = close(cooperative, "2026-10")

        assert line_of(member, "2026-09").withheld_cents == 8_500
        october_line = line_of(member, "2026-10")
        assert october_line.member_income_cents == -8_500
        assert october_line.corrections_cents == -8_500
        assert (october_line.countable_cents, october_line.withheld_cents) == (0, 0)
        assert october.corrections_cents == -8_500
        csv = october.csv.decode("utf-8-sig")
        assert "Correcties op eerdere perioden" in csv
        assert (
            f"Creditnota {note.number}: correctie op september 2026, geboekt in oktober 2026" in csv
        )
        assert "Correcties op eerdere perioden" not in september.csv.decode("utf-8-sig")


def test_a_credit_note_in_the_invoices_own_month_is_no_correction(app):
    with app.app_context():
        cooperative, member, invoice = invoiced_september()
        note = credit(invoice, [(invoice.lines[0], 6_050)], issue_date=date(2026, 9, 20))
        book_credit_note(note)
        db.session.commit()

        (september,) = close(cooperative, "2026-09")

        assert line_of(member, "2026-09").member_income_cents == 8_500 - 4_250
        assert line_of(member, "2026-09").corrections_cents == 0
        assert september.corrections_cents == 0


def correctable_report():
    cooperative, member, _invoice = invoiced_september()
    (report,) = close(cooperative, "2026-09")
    admin = gen_coop_admin(cooperative, name="Coördinator Samen")
    return cooperative, member, report, admin


def test_a_correction_is_a_new_version_naming_the_one_it_replaces(app):
    with app.app_context():
        cooperative, member, report, admin = correctable_report()
        member.client_number = "0344-99999"
        db.session.commit()

        new = reports.reissue_report(admin, report, "Het cliëntnummer was verkeerd.")

        assert (new.version, new.replaces_id) == (2, report.id)
        assert new.withheld_cents == report.withheld_cents
        assert new.lines[0].client_number == "0344-99999"
        assert report.lines[0].client_number != "0344-99999"
        text = pdf_text(new.pdf)
        assert "Versie 2. Deze versie vervangt versie 1" in text
        assert "Reden: Het cliëntnummer was verkeerd." in text
        assert not reports.is_current(report) and reports.is_current(new)
        assert [r.version for r in reports_of(cooperative)] == [1, 2]
        # Only the newest version counts the exemption months, so nothing is counted twice.
        assert months_used(cooperative.id).get(member.id, 0) == 0


def test_only_the_newest_version_can_be_corrected_and_a_reason_is_required(app):
    with app.app_context():
        _cooperative, _member, report, admin = correctable_report()
        with pytest.raises(NoCorrectionReason):
            reports.reissue_report(admin, report, "   ")
        reports.reissue_report(admin, report, "Naam verbeterd.")

        with pytest.raises(ReportReplaced):
            reports.reissue_report(admin, report, "Nog een keer.")


def test_the_months_used_count_once_after_a_correction(app):
    with app.app_context():
        municipality = gen_municipality()
        cooperative = gen_cooperative()
        member = gen_member(cooperative, municipality, exemption_eligible=True)
        book_income(member, 40_000, mid_month("2026-09"))
        (report,) = close(cooperative, "2026-09")
        admin = gen_coop_admin(cooperative)

        reports.reissue_report(admin, report, "Correctie.")

        assert months_used(cooperative.id)[member.id] == 1
        assert (
            db.session.scalar(select(JournalEntry.id).where(JournalEntry.kind == "offset"))
            is not None
        )
