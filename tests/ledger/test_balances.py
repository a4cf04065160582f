"""Balances and statements, read back from the postings, to the cent."""

import re
from datetime import date

import pytest

from coopshop.extensions import db
from coopshop.ledger import accounts
from coopshop.ledger.balances import (
    AccountBalance,
    FundMonthRow,
    MemberFigures,
    MonthRow,
    OwnerBalance,
    account_balance,
    balances_by_account,
    balances_by_owner,
    fund_statement,
    member_monthly_statement,
    member_overview,
    member_pot,
)
from coopshop.ledger.flows import SaleLine, post_refund, post_sale
from coopshop.ledger.models import Leg
from coopshop.ledger.services import Line, post_entry
from coopshop.money import LineSplit
from tests.factories import gen_cooperative, gen_member, gen_municipality, gen_sale


@pytest.fixture
def two_months(app):  # type: ignore[no-untyped-def]
    """Alice and Bob sell in January; in February Alice sells, refunds, is offset and paid.

    January, sale F1 (levy 15 %): Alice 12100 at 21 % (vat 2100, levy 1500, member 8500) and
    Bob 2500 at 9 % (vat 206, levy 344, member 1950). February: sale F2, Alice 999 at 0 %
    (levy 150, member 849); a refund of 5000 of Alice's January line (vat 868, levy 620,
    member 3512); an offset of 3000 and a payout of 2000 from Alice's pot; 1000 of fund costs.
    """
    with app.app_context():
        cooperative = gen_cooperative()
        municipality = gen_municipality()
        alice = gen_member(cooperative, municipality).id
        bob = gen_member(cooperative, municipality).id
        coop = cooperative.id
        sale = {"cooperative_id": coop, "levy_bp": 1500}
        post_sale(
            **sale,
            invoice_reference="F1",
            booking_date=date(2026, 1, 10),
            lines=[SaleLine(alice, 12100, 21), SaleLine(bob, 2500, 9)],
        )
        post_sale(
            **sale,
            invoice_reference="F2",
            booking_date=date(2026, 2, 5),
            lines=[SaleLine(alice, 999, 0)],
        )
        january_line = LineSplit(gross=12100, vat=2100, ex_vat=10000, levy=1500, member=8500)
        post_refund(
            cooperative_id=coop,
            reference="CN1",
            booking_date=date(2026, 2, 20),
            original_lines=[january_line],
            member_ids=[alice],
            refund_gross_per_line=[5000],
        )
        pot, remit = accounts.member_payable(alice), accounts.municipality_payable(municipality.id)
        book(
            "offset",
            "OFF-1",
            date(2026, 2, 1),
            coop,
            [Line(pot, 3000, alice, Leg.OFFSET), Line(remit, -3000, alice, Leg.OFFSET)],
        )
        book(
            "payout",
            "PAY-1",
            date(2026, 2, 25),
            coop,
            [Line(pot, 2000, alice, Leg.PAYOUT), Line(accounts.BANK, -2000, alice, Leg.PAYOUT)],
        )
        book(
            "fund_cost",
            "COST-1",
            date(2026, 2, 26),
            coop,
            [Line(accounts.support_fund(coop), 1000), Line(accounts.BANK, -1000)],
        )
        db.session.commit()
        return {
            "coop": coop,
            "alice": alice,
            "bob": bob,
            "municipality": municipality.id,
            "slug": cooperative.slug,
        }


def book(kind, reference, booking_date, cooperative_id, lines):  # type: ignore[no-untyped-def]
    return post_entry(
        kind=kind,
        reference=reference,
        booking_date=booking_date,
        lines=lines,
        cooperative_id=cooperative_id,
    )


def test_a_members_monthly_statement_shows_turnover_levy_offset_payouts_and_pot(app, two_months):
    with app.app_context():
        statement = member_monthly_statement(two_months["alice"])
        assert statement == [
            MonthRow(
                "2026-01",
                turnover_ex_vat=10000,
                levy=1500,
                offset_withheld=0,
                paid_out=0,
                pot_balance_end=8500,
            ),
            # 999 sold minus 4132 refunded ex VAT; pot 8500 + 849 - 3512 - 3000 - 2000.
            MonthRow(
                "2026-02",
                turnover_ex_vat=999 - 4132,
                levy=150 - 620,
                offset_withheld=3000,
                paid_out=2000,
                pot_balance_end=837,
            ),
        ]
        assert [month.member_income for month in statement] == [8500, 849 - 3512]
        assert member_monthly_statement(two_months["bob"]) == [
            MonthRow("2026-01", 2294, 344, 0, 0, 1950)
        ]
        assert member_pot(two_months["alice"]) == 837


def test_the_fund_statement_shows_levy_in_costs_out_and_balance(app, two_months):
    with app.app_context():
        assert fund_statement(two_months["coop"]) == [
            FundMonthRow("2026-01", levy_in=1500 + 344, costs_out=0, other=0, balance_end=1844),
            FundMonthRow("2026-02", levy_in=150 - 620, costs_out=1000, other=0, balance_end=374),
        ]


def test_the_member_overview_totals_every_member_in_one_list(app, two_months):
    with app.app_context():
        assert member_overview(two_months["coop"]) == [
            MemberFigures(
                two_months["alice"],
                turnover_ex_vat=10000 + 999 - 4132,
                levy=1030,
                offset_withheld=3000,
                paid_out=2000,
                pot_balance=837,
            ),
            MemberFigures(
                two_months["bob"],
                turnover_ex_vat=2294,
                levy=344,
                offset_withheld=0,
                paid_out=0,
                pot_balance=1950,
            ),
        ]
        assert member_overview(gen_cooperative().id) == []


def test_balances_per_account_and_per_owner_add_up_to_zero(app, two_months):
    with app.app_context():
        coop, alice, bob = two_months["coop"], two_months["alice"], two_months["bob"]
        municipality = two_months["municipality"]
        assert balances_by_account() == [
            AccountBalance(f"coop:{coop}:support_fund", "cooperative", coop, "support_fund", -374),
            AccountBalance(
                f"coop:{coop}:vat_payable", "cooperative", coop, "vat_payable", -(2100 + 206 - 868)
            ),
            AccountBalance(f"member:{alice}:payable", "member", alice, "payable", -837),
            AccountBalance(f"member:{bob}:payable", "member", bob, "payable", -1950),
            AccountBalance(
                f"municipality:{municipality}:payable",
                "municipality",
                municipality,
                "payable",
                -3000,
            ),
            AccountBalance("platform:bank", "platform", None, "bank", -3000),
            AccountBalance(
                "platform:psp_clearing", "platform", None, "psp_clearing", 12100 + 2500 + 999 - 5000
            ),
        ]
        assert balances_by_owner() == [
            OwnerBalance("cooperative", coop, -374 - 1438),
            OwnerBalance("member", alice, -837),
            OwnerBalance("member", bob, -1950),
            OwnerBalance("municipality", municipality, -3000),
            OwnerBalance("platform", None, 10599 - 3000),
        ]
        assert sum(row.balance_cents for row in balances_by_account()) == 0
        assert account_balance("platform:psp_fees") == 0


def test_balances_of_one_cooperative_count_only_its_entries(app, two_months):
    with app.app_context():
        before = balances_by_account()
        other = gen_cooperative()
        gen_sale(other, gen_member(other), gross_cents=1000, vat_rate="exempt")
        assert balances_by_account(two_months["coop"]) == before
        theirs = {row.code: row.balance_cents for row in balances_by_account(other.id)}
        assert theirs["platform:psp_clearing"] == 1000
        assert sum(theirs.values()) == 0
        assert account_balance(accounts.PSP_CLEARING) == 10599 + 1000


def table(output: str) -> dict[str, str]:
    """The name and amount columns of ``ledger balances`` output."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in output.splitlines()]
    return {row[0]: row[1] for row in rows if len(row) == 2}


def test_ledger_balances_prints_euros_per_account_and_per_owner(app, runner, two_months):
    result = runner.invoke(args=["ledger", "balances"])
    assert result.exit_code == 0, result.output
    balances = table(result.output)
    assert balances["account"] == "balance"
    assert balances["platform:psp_clearing"] == "€ 105,99"
    assert balances[f"member:{two_months['alice']}:payable"] == "€ -8,37"
    assert balances["total"] == "€ 0,00"
    by_owner = runner.invoke(
        args=["ledger", "balances", "--by", "owner", "--cooperative", two_months["slug"]]
    )
    assert by_owner.exit_code == 0, by_owner.output
    owners = table(by_owner.output)
    assert owners[f"member {two_months['bob']}"] == "€ -19,50"
    assert owners[f"cooperative {two_months['coop']}"] == "€ -18,12"
    assert owners["platform"] == "€ 75,99"


def test_ledger_balances_refuses_an_unknown_cooperative(runner):
    result = runner.invoke(args=["ledger", "balances", "--cooperative", "nope"])
    assert result.exit_code == 2
    assert "no cooperative with slug 'nope'" in result.output
