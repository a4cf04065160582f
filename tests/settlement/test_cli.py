"""``coopshop settle close``: the same close as the page, from the command line: the preview
with every member's figures first, then the close once it is confirmed."""

from __future__ import annotations

from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.ledger.services import is_period_locked
from coopshop.settlement.models import SettlementReport
from tests.factories import gen_cooperative, gen_member, gen_municipality, gen_network_admin
from tests.settlement.helpers import book_income, mid_month, settlement_state


def cooperative_with_sales(app) -> int:
    with app.app_context():
        municipality = gen_municipality(name="Utrecht")
        cooperative = gen_cooperative(slug="samen")
        member = gen_member(
            cooperative, municipality, exemption_eligible=True, client_number="UT-1001"
        )
        book_income(member, 51_000, mid_month("2026-10"))
        return cooperative.id


def member_row(output: str) -> list[str]:
    """The cells of the preview's one member row (the row with the client number)."""
    [row] = [line for line in output.splitlines() if "UT-1001" in line]
    return row.split()


def test_settle_close_closes_the_month_and_issues_the_reports(app, runner):
    cooperative_id = cooperative_with_sales(app)
    with app.app_context():
        email = gen_network_admin(name="Nora Netwerk").email

    result = runner.invoke(
        args=["settle", "close", "--coop", "samen", "--period", "2026-10", "--user", email],
        input="y\n",
    )

    assert result.exit_code == 0, result.output
    assert "Close 2026-10 for" in result.output  # the question, after the preview
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
    assert "Close 2026-10" not in result.output  # nothing to confirm
    with app.app_context():
        assert settlement_state(cooperative_id) == (0, 0, 0, 0)


def test_the_preview_shows_every_members_figures(app, runner):
    cooperative_with_sales(app)
    with app.app_context():
        name = db.session.scalar(
            select(User.name).join(Member).where(Member.client_number == "UT-1001")
        )

    result = runner.invoke(
        args=["settle", "close", "--coop", "samen", "--period", "2026-10", "--preview"]
    )

    # The factory's monthly rule: 25 % exemption up to € 285 for 6 months, 100 % offset,
    # withheld. € 510 income: 127,50 exemption, 382,50 countable, offset and withheld; one of
    # the six exemption months used, five left.
    header = "Client no.  Name"
    assert header in result.output
    cells = member_row(result.output)
    assert cells[0] == "UT-1001"
    assert " ".join(cells[1 : 1 + len(name.split())]) == name
    figures = cells[1 + len(name.split()) :]
    assert figures == [
        "€", "510,00", "€", "510,00", "€", "127,50", "€", "382,50",
        "€", "382,50", "€", "382,50", "5",
    ]  # fmt: skip


def test_declining_the_question_closes_nothing(app, runner):
    cooperative_id = cooperative_with_sales(app)

    result = runner.invoke(
        args=["settle", "close", "--coop", "samen", "--period", "2026-10"], input="n\n"
    )

    assert result.exit_code == 1
    assert "Aborted" in result.output
    with app.app_context():
        assert settlement_state(cooperative_id) == (0, 0, 0, 0)
        assert not is_period_locked(cooperative_id, "2026-10")


def test_yes_closes_without_asking(app, runner):
    cooperative_id = cooperative_with_sales(app)

    result = runner.invoke(
        args=["settle", "close", "--coop", "samen", "--period", "2026-10", "--yes"]
    )

    assert result.exit_code == 0, result.output
    assert "Close 2026-10 for" not in result.output
    assert "Closed 2026-10 for" in result.output
    with app.app_context():
        assert is_period_locked(cooperative_id, "2026-10")


def test_settle_close_refuses_a_second_close_and_unknown_cooperatives(app, runner):
    cooperative_with_sales(app)
    args = ["settle", "close", "--coop", "samen", "--period", "2026-10", "--yes"]
    assert runner.invoke(args=args).exit_code == 0

    again = runner.invoke(args=args)
    unknown = runner.invoke(args=["settle", "close", "--coop", "nergens", "--period", "2026-10"])

    assert again.exit_code == 1
    assert "Oktober 2026 is al afgesloten." in again.output
    assert unknown.exit_code == 2
    assert "no cooperative with slug 'nergens'" in unknown.output


def test_a_sale_booked_while_the_question_waits_is_closed_and_said(app, runner, monkeypatch):
    """The close computes again with the books locked: what came in after the preview is in
    the reports, and the command says the figures changed and prints what it issued."""
    cooperative_id = cooperative_with_sales(app)

    def a_sale_meanwhile(*_args, **_kwargs):
        member = db.session.scalar(select(Member).where(Member.client_number == "UT-1001"))
        book_income(member, 10_000, mid_month("2026-10"))
        db.session.commit()
        return True

    monkeypatch.setattr("coopshop.settlement.cli.click.confirm", a_sale_meanwhile)
    result = runner.invoke(args=["settle", "close", "--coop", "samen", "--period", "2026-10"])

    assert result.exit_code == 0, result.output
    before, after = result.output.split("The figures changed since the preview. Issued:")
    assert "Utrecht (oktober 2026): 1 member(s), income € 510,00" in before
    assert "Utrecht (oktober 2026): 1 member(s), income € 610,00" in after
    with app.app_context():
        report = db.session.query(SettlementReport).one()
        assert report.member_income_cents == 61_000
        assert is_period_locked(cooperative_id, "2026-10")


def test_a_negative_month_is_marked_as_a_correction_in_the_preview(app, runner):
    with app.app_context():
        cooperative = gen_cooperative(slug="samen")
        member = gen_member(
            cooperative, gen_municipality(), exemption_eligible=False, client_number="UT-1001"
        )
        book_income(member, -2_500, mid_month("2026-10"))  # a refund only

    result = runner.invoke(
        args=["settle", "close", "--coop", "samen", "--period", "2026-10", "--preview"]
    )

    assert result.exit_code == 0, result.output
    row = " ".join(member_row(result.output))
    assert "(correction: negative, no offset)" in row
    assert row.endswith("€ -25,00 € -25,00 € 0,00 € 0,00 € 0,00 € 0,00 -")
