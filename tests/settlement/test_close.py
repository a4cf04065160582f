"""The period close: one transaction that posts offsets, locks the period and issues reports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from coopshop.cooperatives.models import SettlementRuleVersion
from coopshop.extensions import db
from coopshop.ledger.balances import member_monthly_statement, member_pot
from coopshop.ledger.flows import SaleLine, post_sale
from coopshop.ledger.models import EntryKind, JournalEntry, Leg
from coopshop.ledger.services import PeriodClosed, is_period_locked
from coopshop.settlement import pdf
from coopshop.settlement.close import close_period, preview_close
from coopshop.settlement.errors import EarlierPeriodOpen, NoRuleInForce, PeriodAlreadyClosed
from coopshop.settlement.models import SettlementReport
from tests.factories import gen_cooperative, gen_member, gen_municipality
from tests.settlement.helpers import (
    book_income,
    close,
    line_of,
    municipality_postings,
    settlement_state,
)

SEPTEMBER = date(2026, 9, 15)


def two_municipalities():
    """A cooperative with two members in Utrecht and one in Nieuwegein (report only)."""
    utrecht = gen_municipality(name="Utrecht")
    nieuwegein = gen_municipality(name="Nieuwegein", rule={"withhold": False})
    cooperative = gen_cooperative(name="Coöperatie Samen")
    fatima = gen_member(cooperative, utrecht, name="Fatima el Amrani", exemption_eligible=True)
    jan = gen_member(cooperative, utrecht, name="Jan de Vries")
    sanne = gen_member(cooperative, nieuwegein, name="Sanne Bakker")
    book_income(fatima, 51_000, SEPTEMBER)
    book_income(jan, 20_000, SEPTEMBER)
    book_income(sanne, 30_000, SEPTEMBER)
    return cooperative, utrecht, nieuwegein, fatima, jan, sanne


def test_close_posts_offsets_locks_the_period_and_issues_a_report_per_municipality(app):
    with app.app_context():
        cooperative, _utrecht, _nieuwegein, fatima, jan, sanne = two_municipalities()

        reports = close(cooperative, "2026-09")

        assert [report.municipality.name for report in reports] == ["Nieuwegein", "Utrecht"]
        assert is_period_locked(cooperative.id, "2026-09")
        # Fatima: 51000 - 25 % exemption 12750 = 38250 withheld; Jan (not eligible): 20000.
        assert line_of(fatima, "2026-09").withheld_cents == 38_250
        assert line_of(jan, "2026-09").withheld_cents == 20_000
        assert member_pot(fatima.id) == 51_000 - 38_250
        # Nieuwegein only reports: the offset is shown, nothing is withheld.
        sanne_line = line_of(sanne, "2026-09")
        assert (sanne_line.offset_cents, sanne_line.withheld_cents) == (30_000, 0)
        assert member_pot(sanne.id) == 30_000


def test_the_ledger_check_passes_after_a_close_and_the_offsets_balance(app):
    """The close inserts its offset entries and postings itself, in bulk: every ledger rule
    (balance, accounts, links, owners, periods) must still hold afterwards."""
    with app.app_context():
        cooperative, *_ = two_municipalities()
        close(cooperative, "2026-09")
        offsets = db.session.scalars(
            select(JournalEntry).where(JournalEntry.kind == EntryKind.OFFSET)
        ).all()
        assert len(offsets) == 1  # Utrecht withholds; Nieuwegein only receives a report
        for entry in offsets:
            assert sum(posting.amount_cents for posting in entry.postings) == 0

    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "Ledger OK" in result.output


def test_the_reports_withheld_total_equals_the_postings_to_the_municipality(app):
    with app.app_context():
        cooperative, utrecht, nieuwegein, _fatima, _jan, _sanne = two_municipalities()

        for report in close(cooperative, "2026-09"):
            assert report.withheld_cents == municipality_postings(
                cooperative, report.municipality_id, "2026-09"
            )
            lines = report.lines
            assert report.withheld_cents == sum(line.withheld_cents for line in lines)
            assert report.member_income_cents == sum(line.member_income_cents for line in lines)
        assert municipality_postings(cooperative, utrecht.id, "2026-09") == 58_250
        assert municipality_postings(cooperative, nieuwegein.id, "2026-09") == 0


def test_the_offset_shows_on_the_members_statement_in_the_closed_month(app):
    with app.app_context():
        cooperative, _u, _n, fatima, _jan, _sanne = two_municipalities()

        close(cooperative, "2026-09")

        (september,) = member_monthly_statement(fatima.id)
        assert september.member_income == 51_000
        assert september.offset_withheld == 38_250
        assert september.pot_balance_end == 12_750
        entry = db.session.scalar(select(JournalEntry).where(JournalEntry.kind == EntryKind.OFFSET))
        legs = {(p.member_id, p.leg, p.amount_cents) for p in entry.postings}
        assert (fatima.id, Leg.OFFSET, 38_250) in legs
        # The entry names the Utrecht report, which withheld what the entry moves.
        report = db.session.get(SettlementReport, entry.settlement_id)
        withheld = sum(p.amount_cents for p in entry.postings if p.member_id is not None)
        assert (report.municipality.name, report.withheld_cents) == ("Utrecht", withheld)
        assert entry.booking_date == date(2026, 9, 30)


def test_nothing_can_be_booked_into_a_closed_period(app):
    with app.app_context():
        cooperative, _u, _n, fatima, _jan, _sanne = two_municipalities()
        close(cooperative, "2026-09")

        with pytest.raises(PeriodClosed):
            post_sale(
                cooperative_id=cooperative.id,
                invoice_reference="LATE-1",
                booking_date=date(2026, 9, 29),
                levy_bp=1500,
                lines=[SaleLine(fatima.id, 12_100, 21)],
            )


def test_closing_twice_is_refused_and_changes_nothing(app):
    with app.app_context():
        cooperative, *_ = two_municipalities()
        close(cooperative, "2026-09")
        before = settlement_state(cooperative.id)

        with pytest.raises(PeriodAlreadyClosed, match="al afgesloten"):
            close(cooperative, "2026-09")

        assert settlement_state(cooperative.id) == before


def test_months_are_closed_in_order(app):
    with app.app_context():
        cooperative, _u, _n, fatima, _jan, _sanne = two_municipalities()
        book_income(fatima, 1_000, date(2026, 10, 2))

        with pytest.raises(EarlierPeriodOpen, match="Sluit eerst september 2026 af"):
            close(cooperative, "2026-10")

        assert settlement_state(cooperative.id) == (0, 0, 0, 0)


def test_a_crash_halfway_leaves_the_period_open_and_nothing_posted(app, monkeypatch):
    with app.app_context():
        cooperative, *_ = two_municipalities()
        rendered = []

        def second_pdf_fails(document):
            # The first report renders; the second fails.
            rendered.append(document.municipality_name)
            if len(rendered) == 2:
                raise RuntimeError("printer on fire")
            return b"%PDF-1.7 test"

        monkeypatch.setattr(pdf, "render_report_pdf", second_pdf_fails)

        with pytest.raises(RuntimeError, match="printer on fire"):
            close(cooperative, "2026-09")

        assert rendered == ["Nieuwegein", "Utrecht"]
        assert settlement_state(cooperative.id) == (0, 0, 0, 0)
        assert not is_period_locked(cooperative.id, "2026-09")
        monkeypatch.undo()
        assert len(close(cooperative, "2026-09")) == 2  # the period can still be closed


def test_a_member_whose_municipality_has_no_rule_stops_the_close(app):
    with app.app_context():
        cooperative, *_ = two_municipalities()
        nowhere = gen_municipality(name="Nergenshuizen", rule={"effective_from": date(2027, 1, 1)})
        gen_member(cooperative, nowhere)

        with pytest.raises(NoRuleInForce, match="Nergenshuizen heeft geen verrekenregel"):
            close(cooperative, "2026-09")

        assert settlement_state(cooperative.id) == (0, 0, 0, 0)


def test_the_rule_in_force_on_the_periods_first_day_applies(app):
    with app.app_context():
        municipality = gen_municipality(name="Utrecht")
        municipality.rule_versions.append(
            SettlementRuleVersion(
                effective_from=date(2026, 9, 2),
                period="month",
                basis="gross",
                tax_reserve_bp=0,
                exemption_bp=0,
                exemption_cap_cents=0,
                exemption_max_months=0,
                offset_bp=5000,
                withhold=True,
            )
        )
        db.session.commit()
        cooperative = gen_cooperative()
        member = gen_member(cooperative, municipality)
        book_income(member, 10_000, SEPTEMBER)
        book_income(member, 10_000, date(2026, 10, 15))

        (september,) = close(cooperative, "2026-09")
        (october,) = close(cooperative, "2026-10")

        assert september.rule_version.effective_from == date(2026, 1, 1)
        assert september.withheld_cents == 10_000
        assert october.rule_version.effective_from == date(2026, 9, 2)
        assert october.withheld_cents == 5_000


def test_the_preview_shows_the_figures_and_changes_nothing(app):
    with app.app_context():
        cooperative, _u, _n, fatima, _jan, _sanne = two_municipalities()

        plan = preview_close(cooperative, "2026-09")

        utrecht = next(s for s in plan.settlements if s.municipality.name == "Utrecht")
        line = next(line for line in utrecht.members if line.member.id == fatima.id)
        assert (line.result.exemption, line.result.withheld, line.months_left) == (
            12_750,
            38_250,
            5,
        )
        assert utrecht.total("withheld") == 58_250
        assert settlement_state(cooperative.id) == (0, 0, 0, 0)


def test_members_who_left_without_income_are_not_on_the_report(app):
    with app.app_context():
        cooperative, _u, _n, fatima, _jan, _sanne = two_municipalities()
        gone = gen_member(cooperative, fatima.municipality, status="left")

        close(cooperative, "2026-09")

        assert line_of(gone, "2026-09") is None
        assert line_of(fatima, "2026-09") is not None


def count_queries(app, work) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            work()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def cooperative_with_members(count: int) -> int:
    municipality = gen_municipality()
    cooperative = gen_cooperative()
    for index in range(count):
        member = gen_member(cooperative, municipality, exemption_eligible=index % 2 == 0)
        book_income(member, 10_000 + index, SEPTEMBER)
    return cooperative.id


def test_the_close_costs_the_same_queries_for_three_members_as_for_thirty(app):
    with app.app_context():
        small = cooperative_with_members(3)
        large = cooperative_with_members(30)

    def closing(cooperative_id):
        return lambda: close_period(cooperative_id, "2026-09", None)

    assert count_queries(app, closing(small)) == count_queries(app, closing(large))
    with app.app_context():
        assert (
            db.session.scalar(
                select(SettlementReport.member_count).where(
                    SettlementReport.cooperative_id == large
                )
            )
            == 30
        )
