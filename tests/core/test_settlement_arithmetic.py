"""Municipal settlement arithmetic: exemption, countable income, offset and withholding."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopshop.settlement.arithmetic import (
    InvalidMonthsUsed,
    InvalidRule,
    SettlementResult,
    SettlementRule,
    settle_member,
    settle_sequence,
)

from .cases import SEQUENCE_CASES, SETTLEMENT_CASES, Case, case_id, rule_from

PARTICIPATION_RULE = SettlementRule(
    period="month",
    basis="gross",
    tax_reserve_bp=0,
    exemption_bp=2500,
    exemption_cap_cents=28500,
    exemption_max_months=6,
    offset_bp=10000,
    withhold=True,
)

basis_points = st.integers(min_value=0, max_value=10_000)
rules = st.builds(
    SettlementRule,
    period=st.sampled_from(["month", "quarter"]),
    basis=st.sampled_from(["gross", "net"]),
    tax_reserve_bp=basis_points,
    exemption_bp=basis_points,
    exemption_cap_cents=st.integers(min_value=0, max_value=10**6),
    exemption_max_months=st.integers(min_value=0, max_value=12),
    offset_bp=basis_points,
    withhold=st.booleans(),
)
incomes = st.integers(min_value=-(10**7), max_value=10**8)


def figures(result: SettlementResult, expected: dict[str, int]) -> dict[str, int]:
    """The result's figures named in ``expected``, to compare all of them at once."""
    return {name: getattr(result, name) for name in expected}


@pytest.mark.parametrize("case", SETTLEMENT_CASES, ids=case_id)
def test_settlement_matches_the_worked_case(case: Case):
    result = settle_member(
        case["member_income_cents"],
        rule_from(case["rule"]),
        case["eligible"],
        case["months_used_before"],
    )
    assert figures(result, case["expected"]) == case["expected"]
    assert result.member_income == case["member_income_cents"]
    assert result.months_used_before == case["months_used_before"]


@pytest.mark.parametrize("case", SEQUENCE_CASES, ids=case_id)
def test_consecutive_periods_carry_the_exemption_months_over(case: Case):
    periods = case["periods"]
    results = settle_sequence(
        [period["member_income_cents"] for period in periods],
        rule_from(case["rule"]),
        case["eligible"],
    )
    assert [figures(r, p["expected"]) for r, p in zip(results, periods, strict=True)] == [
        period["expected"] for period in periods
    ]


def test_a_sequence_can_start_with_months_already_used():
    results = settle_sequence([40000, 40000], PARTICIPATION_RULE, True, months_used_before=5)
    assert [result.exemption for result in results] == [10000, 0]
    assert [result.months_used_after for result in results] == [6, 6]


def test_a_period_applies_the_months_of_exemption_left_and_reports_them():
    quarter = SettlementRule(**{**vars(PARTICIPATION_RULE), "period": "quarter"})
    result = settle_member(300000, quarter, eligible=True, months_used_before=4)
    assert (result.applicable_months, result.exemption, result.months_used_after) == (2, 57000, 6)


def test_a_net_basis_keeps_no_tax_reserve_on_a_negative_period():
    net = SettlementRule(**{**vars(PARTICIPATION_RULE), "basis": "net", "tax_reserve_bp": 1700})
    result = settle_member(-4200, net, eligible=True, months_used_before=0)
    assert (result.basis_income, result.offset, result.is_correction) == (-4200, 0, True)


def test_a_positive_period_is_not_a_correction():
    assert not settle_member(100, PARTICIPATION_RULE, True, 0).is_correction


def test_an_exemption_rounded_to_nothing_uses_no_month():
    result = settle_member(1, PARTICIPATION_RULE, eligible=True, months_used_before=0)
    assert (result.exemption, result.countable, result.months_used_after) == (0, 1, 0)


def test_a_quarter_has_three_months_and_a_month_one():
    quarter = SettlementRule(**{**vars(PARTICIPATION_RULE), "period": "quarter"})
    assert (PARTICIPATION_RULE.months_in_period, quarter.months_in_period) == (1, 3)


@pytest.mark.parametrize(
    "change",
    [{"period": "year"}, {"basis": "after tax"}, {"tax_reserve_bp": -1}, {"exemption_bp": 10001},
     {"offset_bp": 12000}, {"exemption_cap_cents": -1}, {"exemption_max_months": -1}],
)  # fmt: skip
def test_a_rule_with_unknown_or_out_of_range_values_is_refused(change: dict[str, object]):
    with pytest.raises(InvalidRule):
        SettlementRule(**{**vars(PARTICIPATION_RULE), **change})


def test_months_used_cannot_be_negative():
    with pytest.raises(InvalidMonthsUsed):
        settle_member(1000, PARTICIPATION_RULE, eligible=True, months_used_before=-1)


@given(incomes, rules, st.booleans(), st.data())
def test_settlement_invariants_hold_for_any_rule(
    income: int, rule: SettlementRule, eligible: bool, data: st.DataObject
):
    months_before = data.draw(st.integers(min_value=0, max_value=rule.exemption_max_months))
    result = settle_member(income, rule, eligible, months_before)
    assert 0 <= result.exemption <= rule.exemption_cap_cents * result.applicable_months
    assert result.applicable_months <= rule.months_in_period
    assert 0 <= result.offset <= result.countable
    assert result.countable == max(0, result.basis_income - result.exemption)
    assert result.withheld in {0, result.offset}
    assert result.withheld == (result.offset if rule.withhold else 0)
    assert result.months_used_after - months_before in {0, result.applicable_months}
    assert result.months_used_after <= rule.exemption_max_months
    if income <= 0:
        assert (result.offset, result.months_used_after) == (0, months_before)
    if not eligible:
        assert (result.exemption, result.months_used_after) == (0, months_before)


@given(st.lists(incomes, max_size=12), rules, st.booleans())
def test_a_sequence_never_exempts_more_months_than_the_maximum(
    period_incomes: list[int], rule: SettlementRule, eligible: bool
):
    results = settle_sequence(period_incomes, rule, eligible)
    months_used = 0
    for result in results:
        assert result.months_used_before == months_used
        months_used = result.months_used_after
    assert months_used <= rule.exemption_max_months
    assert len(results) == len(period_incomes)
