"""Statements for people: ledger figures with labels, as page rows and as export tables.

The page and its CSV/XLSX download are built from the same rows, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from coopshop.cooperatives.models import Cooperative, Member
from coopshop.extensions import db
from coopshop.formatting import euro
from coopshop.ledger import balances
from coopshop.statements.charts import BarChart, bar_chart
from coopshop.statements.exports import Money, Table


def period_label(period: str) -> str:
    """'2026-03' → 'maart 2026' (or 'March 2026')."""
    year, month = (int(part) for part in period.split("-"))
    return format_date(date(year, month, 1), "LLLL yyyy")


@dataclass(frozen=True)
class Earnings:
    months: list[balances.MonthRow]
    pot: int
    chart: BarChart
    table: Table


def member_earnings(member: Member) -> Earnings:
    """A member's months: turnover, levy, income, offset withheld, paid out, and the pot."""
    months = balances.member_monthly_statement(member.id)
    table = Table(
        _("Mijn verdiensten"),
        [
            _("Maand"),
            _("Omzet zonder btw"),
            _("Afdracht steunfonds"),
            _("Uw inkomen"),
            _("Ingehouden voor de gemeente"),
            _("Uitbetaald"),
            _("Saldo na de maand"),
        ],
    )
    for month in months:
        table.rows.append(
            [
                period_label(month.period),
                Money(month.turnover_ex_vat),
                Money(month.levy),
                Money(month.member_income),
                Money(month.offset_withheld),
                Money(month.paid_out),
                Money(month.pot_balance_end),
            ]
        )
    chart = bar_chart(
        [(period_label(m.period), m.member_income, euro(m.member_income)) for m in months[-12:]]
    )
    return Earnings(months, months[-1].pot_balance_end if months else 0, chart, table)


@dataclass(frozen=True)
class FundStatement:
    months: list[balances.FundMonthRow]
    table: Table


def fund_statement(cooperative: Cooperative) -> FundStatement:
    """The support fund per month: levy in, costs out, other movements, balance."""
    months = balances.fund_statement(cooperative.id)
    table = Table(
        _("Steunfonds"),
        [_("Maand"), _("Afdracht ontvangen"), _("Kosten"), _("Overig"), _("Saldo na de maand")],
    )
    for month in months:
        table.rows.append(
            [
                period_label(month.period),
                Money(month.levy_in),
                Money(month.costs_out),
                Money(month.other),
                Money(month.balance_end),
            ]
        )
    return FundStatement(months, table)


@dataclass(frozen=True)
class MemberLine:
    member: Member
    figures: balances.MemberFigures


def member_overview(cooperative: Cooperative) -> tuple[list[MemberLine], Table]:
    """Every member of the cooperative with their totals (zero for members without sales)."""
    members = db.session.scalars(
        select(Member).where(Member.cooperative_id == cooperative.id).order_by(Member.trade_name)
    ).all()
    figures = {row.member_id: row for row in balances.member_overview(cooperative.id)}
    lines = [
        MemberLine(m, figures.get(m.id) or balances.MemberFigures(m.id, 0, 0, 0, 0, 0))
        for m in members
    ]
    table = Table(
        _("Overzicht per lid"),
        [
            _("Lid"),
            _("Cliëntnummer"),
            _("Omzet zonder btw"),
            _("Afdracht steunfonds"),
            _("Ingehouden voor de gemeente"),
            _("Uitbetaald"),
            _("Saldo"),
        ],
    )
    for line in lines:
        f = line.figures
        table.rows.append(
            [
                line.member.trade_name,
                line.member.client_number,
                Money(f.turnover_ex_vat),
                Money(f.levy),
                Money(f.offset_withheld),
                Money(f.paid_out),
                Money(f.pot_balance),
            ]
        )
    return lines, table
