"""Network administration: cooperatives, levy versions, municipalities and rule versions.

Every change is recorded in the audit log in the same transaction. Each function commits once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.audit.services import record, snapshot
from coopshop.catalogue.services import reindex_cooperative_listings
from coopshop.cooperatives.models import Cooperative, LevyRate, Municipality, SettlementRuleVersion
from coopshop.errors import Conflict
from coopshop.extensions import db


class DuplicateValue(Conflict):
    """A value that must be unique (slug, prefix, CBS code, effective date) is already used."""


def _ensure_unique(
    model: type[Any], column: Any, value: Any, own_id: int | None, message: str
) -> None:
    existing = db.session.scalar(select(model.id).where(column == value))
    if existing is not None and existing != own_id:
        raise DuplicateValue(message)


def save_and_record(actor: User, obj: Any, values: dict[str, Any], noun: str) -> Any:
    """Apply ``values`` to a new or existing object, log ``<noun>.created`` or ``.updated`` with
    the values before and after, and commit. A cooperative's events belong to that cooperative."""
    is_new = obj.id is None
    before = None if is_new else snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    db.session.add(obj)
    db.session.flush()
    cooperative_id = obj.id if isinstance(obj, Cooperative) else None
    action = f"{noun}.created" if is_new else f"{noun}.updated"
    record(actor.id, action, obj, cooperative_id=cooperative_id, before=before, summary=obj.name)
    db.session.commit()
    return obj


def save_cooperative(
    actor: User, cooperative: Cooperative | None, values: dict[str, Any]
) -> Cooperative:
    """Create or update a cooperative. Raises ``DuplicateValue`` for a used slug or prefix."""
    own_id = cooperative.id if cooperative else None
    _ensure_unique(
        Cooperative,
        Cooperative.slug,
        values["slug"],
        own_id,
        _("Deze korte naam (slug) wordt al gebruikt door een andere coöperatie."),
    )
    _ensure_unique(
        Cooperative,
        Cooperative.invoice_prefix,
        values["invoice_prefix"],
        own_id,
        _("Dit factuurvoorvoegsel wordt al gebruikt door een andere coöperatie."),
    )
    before = snapshot(cooperative) if cooperative else None
    cooperative = cooperative or Cooperative()
    for key, value in values.items():
        setattr(cooperative, key, value)
    db.session.add(cooperative)
    db.session.flush()
    if before and before["name"] != cooperative.name:
        reindex_cooperative_listings(cooperative.id)
    record(
        actor.id,
        "cooperative.updated" if before else "cooperative.created",
        cooperative,
        cooperative_id=cooperative.id,
        before=before,
        summary=cooperative.name,
    )
    db.session.commit()
    return cooperative


def add_levy_rate(
    actor: User, cooperative: Cooperative, levy_bp: int, effective_from: date, note: str
) -> LevyRate:
    """A new levy version from ``effective_from``; one version per date."""
    if any(rate.effective_from == effective_from for rate in cooperative.levy_rates):
        raise DuplicateValue(
            _("Er is al een afdrachtpercentage vanaf deze datum. Kies een andere datum.")
        )
    rate = LevyRate(
        cooperative=cooperative, levy_bp=levy_bp, effective_from=effective_from, note=note
    )
    db.session.add(rate)
    record(
        actor.id, "levy_rate.created", rate, cooperative_id=cooperative.id, summary=cooperative.name
    )
    db.session.commit()
    return rate


def save_municipality(
    actor: User, municipality: Municipality | None, values: dict[str, Any]
) -> Municipality:
    own_id = municipality.id if municipality else None
    _ensure_unique(
        Municipality,
        Municipality.cbs_code,
        values["cbs_code"],
        own_id,
        _("Er is al een gemeente met deze CBS-code."),
    )
    return save_and_record(actor, municipality or Municipality(), values, "municipality")


class RuleVersionInUse(Conflict):
    """An issued settlement report names the rule version, so it may no longer change."""


class RuleVersionRewritesHistory(Conflict):
    """The effective date falls in (or before) a period that has already been settled."""


def rule_version_in_use(rule: SettlementRuleVersion | None) -> bool:
    """Whether an issued settlement report was made under ``rule``."""
    # Imported here: settlement builds on cooperatives, and only this check looks back up.
    from coopshop.settlement.queries import rule_version_in_use as in_use

    return rule is not None and rule.id is not None and in_use(rule.id)


def _refuse_rewriting_history(municipality: Municipality, effective_from: date) -> None:
    """Refuse a version that would be in force on the first day of a settled period.

    A period is settled under the version in force on its first day, so a version starting
    on or before the first day of the last settled period would change settled history.
    """
    from coopshop.ledger.services import first_day_of
    from coopshop.settlement.queries import last_settled_period

    settled = last_settled_period(municipality.id)
    if settled is not None and effective_from <= first_day_of(settled):
        raise RuleVersionRewritesHistory(
            _(
                "Voor %(name)s is al verrekend tot en met %(period)s. Kies een datum na "
                "%(day)s: een nieuwe regelversie verandert nooit wat al verrekend is.",
                name=municipality.name,
                period=format_date(first_day_of(settled), "LLLL yyyy"),
                day=format_date(first_day_of(settled), "long"),
            )
        )


def save_rule_version(
    actor: User,
    municipality: Municipality,
    rule: SettlementRuleVersion | None,
    values: dict[str, Any],
) -> SettlementRuleVersion:
    """Add or change a settlement rule version; one version per effective date.

    Raises RuleVersionInUse if an issued report was made under ``rule``,
    RuleVersionRewritesHistory if the effective date is not after the last settled period,
    and DuplicateValue if another version starts on the same date.
    """
    if rule_version_in_use(rule):
        raise RuleVersionInUse(
            _(
                "Deze regelversie is gebruikt voor een verrekenrapport dat al is gemaakt. "
                "Daarom kan zij niet meer veranderen. Maak een nieuwe regelversie met een "
                "latere ingangsdatum."
            )
        )
    _refuse_rewriting_history(municipality, values["effective_from"])
    clash = next(
        (
            r
            for r in municipality.rule_versions
            if r.effective_from == values["effective_from"] and r is not rule
        ),
        None,
    )
    if clash is not None:
        raise DuplicateValue(_("Er is al een regelversie vanaf deze datum. Kies een andere datum."))
    before = snapshot(rule) if rule else None
    rule = rule or SettlementRuleVersion(municipality=municipality)
    for key, value in values.items():
        setattr(rule, key, value)
    db.session.add(rule)
    record(
        actor.id,
        "rule_version.updated" if before else "rule_version.created",
        rule,
        before=before,
        summary=f"{municipality.name} {values['effective_from'].isoformat()}",
    )
    db.session.commit()
    return rule
