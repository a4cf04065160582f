"""Network administration: cooperatives, levy versions, municipalities and rule versions.

Every change is recorded in the audit log in the same transaction. Each function commits once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

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


def save_rule_version(
    actor: User,
    municipality: Municipality,
    rule: SettlementRuleVersion | None,
    values: dict[str, Any],
) -> SettlementRuleVersion:
    """Add or change a settlement rule version; one version per effective date."""
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
