"""Quarterly municipalities settle at the quarter's last month; eligibility runs out on its date."""

from __future__ import annotations

from datetime import date

from coopshop.cooperatives.models import SettlementRuleVersion
from coopshop.extensions import db
from coopshop.ledger.balances import member_monthly_statement
from coopshop.settlement.close import preview_close
from coopshop.settlement.plan import settlement_months
from tests.conftest import login
from tests.factories import gen_coop_admin, gen_cooperative, gen_member, gen_municipality
from tests.settlement.helpers import book_income, close, line_of, mid_month, municipality_postings

QUARTER = {"period": "quarter"}


def test_a_quarterly_municipality_is_settled_when_the_quarters_last_month_closes(app):
    with app.app_context():
        rotterdam = gen_municipality(name="Rotterdam", rule=QUARTER)
        utrecht = gen_municipality(name="Utrecht")
        cooperative = gen_cooperative()
        ahmed = gen_member(cooperative, rotterdam, name="Ahmed Benali", exemption_eligible=True)
        fatima = gen_member(cooperative, utrecht, name="Fatima el Amrani")
        for period, cents in (("2026-07", 100_000), ("2026-08", 50_000), ("2026-09", 150_000)):
            book_income(ahmed, cents, mid_month(period))
            book_income(fatima, 10_000, mid_month(period))

        july = close(cooperative, "2026-07")
        august = close(cooperative, "2026-08")
        september = close(cooperative, "2026-09")

        assert [r.municipality.name for r in july] == ["Utrecht"]
        assert [r.municipality.name for r in august] == ["Utrecht"]
        assert [r.municipality.name for r in september] == ["Rotterdam", "Utrecht"]
        quarter = september[0]
        assert (quarter.period_start, quarter.period_end) == ("2026-07", "2026-09")
        line = line_of(ahmed, "2026-09")
        # 300000 over the quarter: 25 % = 75000, within three months of cap (3 x 28500 = 85500).
        assert line.member_income_cents == 300_000
        assert (line.exemption_cents, line.withheld_cents) == (75_000, 225_000)
        assert (line.applicable_months, line.months_used_after, line.months_left) == (3, 3, 3)
        # The offset is posted at the quarter's close, in September.
        assert municipality_postings(cooperative, rotterdam.id, "2026-07") == 0
        assert municipality_postings(cooperative, rotterdam.id, "2026-09") == 225_000
        offsets = {row.period: row.offset_withheld for row in member_monthly_statement(ahmed.id)}
        assert offsets == {"2026-07": 0, "2026-08": 0, "2026-09": 225_000}


def test_the_preview_says_a_quarterly_municipality_waits(app):
    with app.app_context():
        rotterdam = gen_municipality(name="Rotterdam", rule=QUARTER)
        cooperative = gen_cooperative()
        gen_member(cooperative, rotterdam)

        plan = preview_close(cooperative, "2026-08")

        assert plan.settlements == []
        assert [(w.municipality.name, w.settles_with) for w in plan.waiting] == [
            ("Rotterdam", "2026-09")
        ]


def test_months_that_waited_for_a_quarter_settle_when_the_rule_turns_monthly(app):
    with app.app_context():
        municipality = gen_municipality(rule=QUARTER)
        monthly = SettlementRuleVersion(
            effective_from=date(2026, 8, 1),
            **{
                column: getattr(municipality.rule_versions[0], column)
                for column in (
                    "basis",
                    "tax_reserve_bp",
                    "exemption_bp",
                    "exemption_cap_cents",
                    "exemption_max_months",
                    "offset_bp",
                    "withhold",
                )
            },
            period="month",
        )
        municipality.rule_versions.append(monthly)
        db.session.commit()

        assert settlement_months(municipality, "2026-07") is None
        assert settlement_months(municipality, "2026-08") == ["2026-07", "2026-08"]
        assert settlement_months(municipality, "2026-09") == ["2026-09"]


def test_eligibility_ends_on_its_end_date(app):
    with app.app_context():
        municipality = gen_municipality()
        cooperative = gen_cooperative()
        member = gen_member(
            cooperative, municipality, exemption_eligible=True, exemption_end=date(2026, 8, 1)
        )
        for period in ("2026-07", "2026-08", "2026-09"):
            book_income(member, 40_000, mid_month(period))
            close(cooperative, period)

        # Eligibility is read on the period's first day: 1 August is still within it.
        assert line_of(member, "2026-07").exemption_cents == 10_000
        assert line_of(member, "2026-08").exemption_cents == 10_000
        september = line_of(member, "2026-09")
        assert (september.eligible, september.exemption_cents) == (False, 0)
        assert (september.months_used_after, september.months_left) == (2, 0)


def test_the_member_detail_page_shows_months_used_and_left(app, client):
    with app.app_context():
        municipality = gen_municipality()
        cooperative = gen_cooperative()
        member = gen_member(cooperative, municipality, exemption_eligible=True)
        for period in ("2026-07", "2026-08"):
            book_income(member, 40_000, mid_month(period))
            close(cooperative, period)
        admin = gen_coop_admin(cooperative).email
        member_id = member.id
    login(client, admin)

    page = client.get(f"/cooperatie/leden/{member_id}").get_data(as_text=True)

    assert "Vrijlatingsmaanden" in page
    assert "2 van 6 gebruikt, nog 4 over" in page
