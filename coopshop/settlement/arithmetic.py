"""Pure settlement arithmetic for one member and one period (DESIGN.md §4).

Given a member's income in a period and the municipality's rule version in force, compute
the earnings exemption, the countable income, the benefit offset and what the cooperative
withholds. Plain values in, plain values out: no Flask, no database. All percentages go
through :func:`coopshop.money.pct` (half up), so figures match the worked cases exactly.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from coopshop.money import BASIS_POINTS_PER_WHOLE, pct

Period = Literal["month", "quarter"]
Basis = Literal["gross", "net"]

_MONTHS_IN_PERIOD: dict[str, int] = {"month": 1, "quarter": 3}
_BASES = ("gross", "net")


class SettlementError(ValueError):
    """Base class of the errors raised by the settlement arithmetic."""


class InvalidRule(SettlementError):
    """A rule version has an unknown period or basis, or a figure out of range."""


class InvalidMonthsUsed(SettlementError):
    """The count of exemption months already used is negative."""


@dataclass(frozen=True)
class SettlementRule:
    """A municipality's rule version as plain values; amounts are data, never constants.

    Raises InvalidRule on construction for an unknown period or basis, basis points outside
    0..10 000, or a negative cap or maximum number of months.
    """

    period: Period
    basis: Basis
    tax_reserve_bp: int
    exemption_bp: int
    exemption_cap_cents: int  # per month
    exemption_max_months: int
    offset_bp: int
    withhold: bool

    def __post_init__(self) -> None:
        if self.period not in _MONTHS_IN_PERIOD:
            raise InvalidRule(f"period must be 'month' or 'quarter', got {self.period!r}")
        if self.basis not in _BASES:
            raise InvalidRule(f"basis must be 'gross' or 'net', got {self.basis!r}")
        for name in ("tax_reserve_bp", "exemption_bp", "offset_bp"):
            if not 0 <= getattr(self, name) <= BASIS_POINTS_PER_WHOLE:
                raise InvalidRule(f"{name} must be between 0 and 10000, got {getattr(self, name)}")
        if self.exemption_cap_cents < 0 or self.exemption_max_months < 0:
            raise InvalidRule("the exemption cap and maximum months must not be negative")

    @property
    def months_in_period(self) -> int:
        """1 for a month, 3 for a quarter."""
        return _MONTHS_IN_PERIOD[self.period]


@dataclass(frozen=True)
class SettlementResult:
    """One member's figures for one period, in cents; months count exemption months."""

    member_income: int
    basis_income: int
    exemption: int
    countable: int
    offset: int
    withheld: int
    months_used_before: int
    months_used_after: int
    applicable_months: int

    @property
    def is_correction(self) -> bool:
        """A negative period (more credit notes than sales): no offset, shown as a correction."""
        return self.member_income < 0


def settle_member(
    member_income_cents: int, rule: SettlementRule, eligible: bool, months_used_before: int
) -> SettlementResult:
    """Settle one member for one period exactly as DESIGN.md §4 prescribes.

    Rounding: half up (``pct``) for the tax reserve, exemption and offset. Months count as
    used only if an exemption was applied, so a period without income spends none of them.
    Raises InvalidMonthsUsed if ``months_used_before`` is negative.
    """
    if months_used_before < 0:
        raise InvalidMonthsUsed(f"months used must not be negative, got {months_used_before}")
    basis_income = _basis_income(member_income_cents, rule)
    months_left = max(0, rule.exemption_max_months - months_used_before) if eligible else 0
    applicable_months = min(rule.months_in_period, months_left)
    exemption = _exemption(basis_income, rule, applicable_months)
    # Negative basis income carries no offset: the correction lowers nothing at the municipality.
    countable = max(0, basis_income - exemption)
    offset = pct(countable, rule.offset_bp)
    return SettlementResult(
        member_income=member_income_cents,
        basis_income=basis_income,
        exemption=exemption,
        countable=countable,
        offset=offset,
        withheld=offset if rule.withhold else 0,
        months_used_before=months_used_before,
        months_used_after=months_used_before + (applicable_months if exemption > 0 else 0),
        applicable_months=applicable_months,
    )


def _basis_income(member_income_cents: int, rule: SettlementRule) -> int:
    """Member income, less the tax reserve (half up) on a net basis when income is positive."""
    if rule.basis == "net" and member_income_cents > 0:
        return member_income_cents - pct(member_income_cents, rule.tax_reserve_bp)
    return member_income_cents


def _exemption(basis_income: int, rule: SettlementRule, applicable_months: int) -> int:
    """The earnings exemption: a share of basis income (half up), capped per applicable month."""
    if applicable_months == 0 or basis_income <= 0:
        return 0
    return min(pct(basis_income, rule.exemption_bp), rule.exemption_cap_cents * applicable_months)


def settle_sequence(
    incomes: Iterable[int], rule: SettlementRule, eligible: bool, months_used_before: int = 0
) -> list[SettlementResult]:
    """Settle consecutive periods of one member, carrying the exemption months over.

    Rounding and errors as in :func:`settle_member`.
    """
    results: list[SettlementResult] = []
    months_used = months_used_before
    for income in incomes:
        result = settle_member(income, rule, eligible, months_used)
        results.append(result)
        months_used = result.months_used_after
    return results
