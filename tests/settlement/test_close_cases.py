"""Every worked case of DESIGN §4, reproduced through the real period close.

Member income is booked in the ledger to the cent; the months used before are produced by
closing earlier months (each with income, so each spends one exemption month) under a monthly
version of the case's rule; the case's own rule version takes effect on 1 July 2026, and the
case is settled in July (or in the third quarter for a quarterly rule). The figures are then
read from the issued report's line, and the withheld amount from the ledger.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coopshop.cooperatives.models import SettlementRuleVersion
from coopshop.extensions import db
from coopshop.ledger.balances import member_monthly_statement
from coopshop.settlement.periods import months_between
from tests.core.cases import SEQUENCE_CASES, SETTLEMENT_CASES, case_id
from tests.factories import gen_cooperative, gen_member, gen_municipality
from tests.settlement.helpers import (
    book_income,
    close,
    line_of,
    mid_month,
    municipality_postings,
    reports_of,
)

CASE_RULE_FROM = date(2026, 7, 1)
HISTORY_INCOME = 10_000
EXPECTED_FIGURES = ("basis_income", "exemption", "countable", "offset", "withheld")


def case_world(case: dict[str, Any]):
    """A cooperative and one member under the case's rule from July, eligible as the case says."""
    rule = case["rule"]
    municipality = gen_municipality(rule={**rule, "period": "month"})
    municipality.rule_versions.append(
        SettlementRuleVersion(effective_from=CASE_RULE_FROM, source_note="casus", **rule)
    )
    db.session.commit()
    cooperative = gen_cooperative()
    # Not eligible in the case itself: eligibility ended before it (and after any history).
    ending = None if case["eligible"] else date(2026, 6, 30)
    member = gen_member(cooperative, municipality, exemption_eligible=True, exemption_end=ending)
    return cooperative, municipality, member


def spend_exemption_months(cooperative, member, months_used: int) -> None:
    """Close January to June; the first ``months_used`` of them have income."""
    for number, period in enumerate(months_between("2026-01", "2026-06"), 1):
        if number <= months_used:
            book_income(member, HISTORY_INCOME, mid_month(period))
        close(cooperative, period)


def case_months(case: dict[str, Any]) -> list[str]:
    return ["2026-07"] if case["rule"]["period"] == "month" else ["2026-07", "2026-08", "2026-09"]


def book_case_income(member, income: int, months: list[str]) -> None:
    """The case's income, spread over the months (the first takes the remainder)."""
    share, remainder = divmod(income, len(months))
    for index, period in enumerate(months):
        cents = share + (remainder if index == 0 else 0)
        if cents:
            book_income(member, cents, mid_month(period))


@pytest.mark.parametrize("case", SETTLEMENT_CASES, ids=case_id)
def test_the_close_reproduces_the_worked_case(app, case):
    with app.app_context():
        cooperative, municipality, member = case_world(case)
        spend_exemption_months(cooperative, member, case["months_used_before"])
        months = case_months(case)
        book_case_income(member, case["member_income_cents"], months)

        for period in months:
            close(cooperative, period)

        line = line_of(member, months[-1])
        expected = case["expected"]
        assert line.member_income_cents == case["member_income_cents"]
        assert line.months_used_before == case["months_used_before"]
        assert line.months_used_after == expected["months_used_after"]
        assert line.eligible is case["eligible"]
        for figure in EXPECTED_FIGURES:
            assert getattr(line, f"{figure}_cents") == expected[figure], figure
        assert (
            municipality_postings(cooperative, municipality.id, months[-1]) == expected["withheld"]
        )
        # The member's statement shows the same offset in the closing month.
        statement = {row.period: row for row in member_monthly_statement(member.id)}
        if expected["withheld"]:
            assert statement[months[-1]].offset_withheld == expected["withheld"]


@pytest.mark.parametrize("case", SEQUENCE_CASES, ids=case_id)
def test_the_closes_reproduce_the_worked_sequence(app, case):
    with app.app_context():
        municipality = gen_municipality(rule=case["rule"])
        cooperative = gen_cooperative()
        member = gen_member(cooperative, municipality, exemption_eligible=case["eligible"])
        months = months_between("2026-01", "2026-12")[: len(case["periods"])]

        for period, step in zip(months, case["periods"], strict=True):
            if step["member_income_cents"]:
                book_income(member, step["member_income_cents"], mid_month(period))
            close(cooperative, period)

        for period, step in zip(months, case["periods"], strict=True):
            line = line_of(member, period)
            assert line.member_income_cents == step["member_income_cents"], period
            assert line.months_used_after == step["expected"]["months_used_after"], period
            for figure in EXPECTED_FIGURES:
                assert getattr(line, f"{figure}_cents") == step["expected"][figure], (
                    period,
                    figure,
                )
        withheld = sum(step["expected"]["withheld"] for step in case["periods"])
        assert sum(report.withheld_cents for report in reports_of(cooperative)) == withheld
