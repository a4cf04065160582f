"""How many exemption months a member has used and has left, for the member pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coopshop.cooperatives.models import Member
from coopshop.settlement.queries import months_used_by


@dataclass(frozen=True)
class ExemptionMonths:
    """``maximum`` is None when the municipality has no rule on the day asked about."""

    eligible: bool
    used: int
    maximum: int | None

    @property
    def left(self) -> int:
        """Months still available: none when not eligible (DESIGN §4)."""
        if not self.eligible or self.maximum is None:
            return 0
        return max(0, self.maximum - self.used)


def exemption_months(member: Member, day: date) -> ExemptionMonths:
    """The member's exemption months on ``day``: used (from issued reports), maximum, left."""
    rule = member.municipality.rule_on(day)
    return ExemptionMonths(
        eligible=member.eligible_on(day),
        used=months_used_by(member.id),
        maximum=rule.exemption_max_months if rule else None,
    )
