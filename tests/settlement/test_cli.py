"""``coopshop settle close``: the same close as the page, from the command line."""

from __future__ import annotations

from coopshop.extensions import db
from coopshop.ledger.services import is_period_locked
from coopshop.settlement.models import SettlementReport
from tests.factories import gen_cooperative, gen_member, gen_municipality, gen_network_admin
from tests.settlement.helpers import book_income, mid_month, settlement_state


def cooperative_with_sales(app) -> int:
    with app.app_context():
        municipality = gen_municipality(name="Utrecht")
        cooperative = gen_cooperative(slug="samen")
        member = gen_member(cooperative, municipality, exemption_eligible=True)
        book_income(member, 51_000, mid_month("2026-10"))
        return cooperative.id


def test_settle_close_closes_the_month_and_issues_the_reports(app, runner):
    cooperative_id = cooperative_with_sales(app)
    with app.app_context():
        email = gen_network_admin(name="Nora Netwerk").email

    result = runner.invoke(
        args=["settle", "close", "--coop", "samen", "--period", "2026-10", "--user", email]
    )

    assert result.exit_code == 0, result.output
    assert "Utrecht (oktober 2026): 1 member(s), income € 510,00" in result.output
    assert "withheld € 382,50" in result.output
    assert "Closed 2026-10 for" in result.output
    with app.app_context():
        assert is_period_locked(cooperative_id, "2026-10")
        report = db.session.query(SettlementReport).one()
        assert report.issued_by_name == "Nora Netwerk"


def test_settle_close_preview_changes_nothing(app, runner):
    cooperative_id = cooperative_with_sales(app)

    result = runner.invoke(
        args=["settle", "close", "--coop", "samen", "--period", "2026-10", "--preview"]
    )

    assert result.exit_code == 0, result.output
    assert "Would close 2026-10" in result.output
    with app.app_context():
        assert settlement_state(cooperative_id) == (0, 0, 0, 0)


def test_settle_close_refuses_a_second_close_and_unknown_cooperatives(app, runner):
    cooperative_with_sales(app)
    args = ["settle", "close", "--coop", "samen", "--period", "2026-10"]
    assert runner.invoke(args=args).exit_code == 0

    again = runner.invoke(args=args)
    unknown = runner.invoke(args=["settle", "close", "--coop", "nergens", "--period", "2026-10"])

    assert again.exit_code == 1
    assert "Oktober 2026 is al afgesloten." in again.output
    assert unknown.exit_code == 2
    assert "no cooperative with slug 'nergens'" in unknown.output
