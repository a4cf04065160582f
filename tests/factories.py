"""``gen_*`` factories with sensible defaults; keyword arguments override any column.

They need an active app context, add to the session and commit, and return the object.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from coopshop.accounts.models import Buyer, BuyerKind, Role, User
from coopshop.accounts.services import hash_password
from coopshop.cooperatives.models import (
    Cooperative,
    LevyRate,
    Member,
    Municipality,
    SettlementRuleVersion,
)
from coopshop.extensions import db

TEST_PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def _save(obj: Any) -> Any:
    db.session.add(obj)
    db.session.commit()
    return obj


def gen_cooperative(**overrides: Any) -> Cooperative:
    n = _next()
    values: dict[str, Any] = {
        "name": f"Coöperatie {n}",
        "slug": f"coop-{n}",
        "street": "Dorpsstraat 1",
        "postcode": "3511 AX",
        "city": "Utrecht",
        "kvk_number": "81234567",
        "vat_id": "NL812345678B01",
        "iban": "NL89RABO3000000000",
        "invoice_prefix": f"C{n}",
        "email": f"info{n}@coop.test",
    }
    levy_bp = overrides.pop("levy_bp", 1500)
    cooperative = Cooperative(**{**values, **overrides})
    cooperative.levy_rates.append(LevyRate(levy_bp=levy_bp, effective_from=date(2026, 1, 1)))
    return _save(cooperative)


def gen_municipality(**overrides: Any) -> Municipality:
    n = _next()
    rule_values = {
        "effective_from": date(2026, 1, 1),
        "period": "month",
        "basis": "gross",
        "tax_reserve_bp": 0,
        "exemption_bp": 2500,
        "exemption_cap_cents": 28500,
        "exemption_max_months": 6,
        "offset_bp": 10000,
        "withhold": True,
    }
    rule_values.update(overrides.pop("rule", {}))
    municipality = Municipality(**{"name": f"Gemeente {n}", "cbs_code": f"GM{n:04d}", **overrides})
    municipality.rule_versions.append(SettlementRuleVersion(**rule_values))
    return _save(municipality)


def gen_user(role: Role = Role.BUYER, **overrides: Any) -> User:
    n = _next()
    password = overrides.pop("password", TEST_PASSWORD)
    values = {
        "email": f"user{n}@example.test",
        "name": f"Gebruiker {n}",
        "role": role,
        "password_hash": hash_password(password) if password else None,
    }
    return _save(User(**{**values, **overrides}))


def gen_network_admin(**overrides: Any) -> User:
    return gen_user(Role.NETWORK_ADMIN, **overrides)


def gen_coop_admin(cooperative: Cooperative, **overrides: Any) -> User:
    return gen_user(Role.COOP_ADMIN, cooperative_id=cooperative.id, **overrides)


def gen_member(
    cooperative: Cooperative, municipality: Municipality | None = None, **overrides: Any
) -> Member:
    municipality = municipality or gen_municipality()
    user_overrides = {
        key: overrides.pop(key) for key in ("email", "name", "password") if key in overrides
    }
    user = gen_user(Role.MEMBER, cooperative_id=cooperative.id, **user_overrides)
    n = _next()
    values = {
        "user": user,
        "cooperative": cooperative,
        "municipality": municipality,
        "client_number": f"KL-{n}",
        "trade_name": f"Ondernemer {n}",
        "slug": f"ondernemer-{n}",
        "status": "active",
    }
    return _save(Member(**{**values, **overrides}))


def gen_buyer(**overrides: Any) -> User:
    kind = overrides.pop("kind", BuyerKind.CONSUMER)
    user = gen_user(Role.BUYER, **overrides)
    user.buyer = Buyer(kind=kind)
    return _save(user)


def gen_sale(cooperative: Cooperative, member: Member, **overrides: Any) -> Any:
    """A paid one-line invoice booked through the ledger (12100 cents at 21 %, levy 15 %)."""
    from coopshop.ledger.flows import SaleLine, post_sale

    line = SaleLine(member.id, overrides.pop("gross_cents", 12100), overrides.pop("vat_rate", 21))
    values: dict[str, Any] = {
        "cooperative_id": cooperative.id,
        "invoice_reference": f"F{_next()}",
        "booking_date": date(2026, 1, 15),
        "levy_bp": 1500,
        "lines": [line],
    }
    entry = post_sale(**{**values, **overrides})
    db.session.commit()
    return entry
