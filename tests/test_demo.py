"""The ``demo`` command: a small, valid, deterministic network to try coopshop with."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from coopshop import identifiers
from coopshop.accounts.models import Buyer, BuyerKind, Role, User
from coopshop.cooperatives.forms import MemberDetailsForm
from coopshop.cooperatives.models import (
    Cooperative,
    LevyRate,
    Member,
    Municipality,
    SettlementRuleVersion,
)
from coopshop.demo import DEMO_PASSWORD, NETWORK_ADMIN_EMAIL
from coopshop.extensions import db
from tests.conftest import login


def load(runner: Any) -> str:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def users_by_role(app: Flask) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())


def test_demo_loads_the_network(app, runner):
    assert "Demo data loaded." in load(runner)

    counts = row_counts(app)
    assert counts["cooperative"] == 3
    assert counts["levy_rate"] == 3
    assert counts["municipality"] == 5
    assert counts["settlement_rule_version"] == 5
    assert counts["member"] == 15
    assert counts["buyer"] == 2
    assert users_by_role(app) == {
        Role.NETWORK_ADMIN: 1,
        Role.COOP_ADMIN: 3,
        Role.MEMBER: 15,
        Role.BUYER: 2,
    }


def test_every_demo_cooperative_has_a_coordinator_and_five_members(app, runner):
    load(runner)

    with app.app_context():
        for cooperative in db.session.scalars(select(Cooperative)):
            coordinators = db.session.scalars(
                select(User).where(
                    User.role == Role.COOP_ADMIN, User.cooperative_id == cooperative.id
                )
            ).all()
            assert len(coordinators) == 1, cooperative.name
            assert len(cooperative.members) == 5, cooperative.name
            assert all(m.user.cooperative_id == cooperative.id for m in cooperative.members)
            assert cooperative.levy_bp_on(date(2026, 1, 1)) is not None


def test_every_demo_municipality_has_the_2026_exemption_rules(app, runner):
    load(runner)

    with app.app_context():
        for municipality in db.session.scalars(select(Municipality)):
            (rule,) = municipality.rule_versions
            assert rule.effective_from == date(2026, 1, 1), municipality.name
            assert (rule.exemption_bp, rule.exemption_cap_cents, rule.exemption_max_months) == (
                2500,
                28500,
                6,
            ), municipality.name
            assert municipality.rule_on(date(2026, 1, 1)) is rule
            assert municipality.rule_on(date(2025, 12, 31)) is None


def test_running_the_demo_twice_changes_nothing(app, runner):
    load(runner)
    first = row_counts(app)

    assert "nothing changed" in load(runner)

    assert row_counts(app) == first


def test_every_demo_account_can_log_in_with_the_demo_password(app, client, runner):
    load(runner)
    with app.app_context():
        emails = db.session.scalars(select(User.email).order_by(User.id)).all()

    assert NETWORK_ADMIN_EMAIL in emails
    assert len(emails) == 21
    for email in emails:
        login(client, email, DEMO_PASSWORD)
        client.post("/uitloggen")


def test_demo_identifiers_are_valid_and_stored_normalised(app, runner):
    load(runner)

    with app.test_request_context():  # the error messages are translated per request
        for c in db.session.scalars(select(Cooperative)):
            assert identifiers.kvk_number(c.kvk_number) == c.kvk_number, c.name
            assert identifiers.vat_id(c.vat_id) == c.vat_id, c.name
            assert identifiers.iban(c.iban) == c.iban, c.name
            assert identifiers.postcode(c.postcode) == c.postcode, c.name
        for m in db.session.scalars(select(Municipality)):
            assert identifiers.cbs_code(m.cbs_code) == m.cbs_code, m.name
            assert m.iban is None or identifiers.iban(m.iban) == m.iban, m.name
        for member in db.session.scalars(select(Member)):
            assert identifiers.iban(member.iban) == member.iban, member.trade_name
        for buyer in db.session.scalars(select(Buyer)):
            assert identifiers.postcode(buyer.postcode) == buyer.postcode, buyer.user.name
            if buyer.kind == BuyerKind.BUSINESS:
                assert identifiers.kvk_number(buyer.kvk_number) == buyer.kvk_number
                assert identifiers.vat_id(buyer.vat_id) == buyer.vat_id


def test_demo_organisations_each_have_their_own_kvk_and_vat_numbers(app, runner):
    load(runner)

    with app.app_context():
        vat_ids = (
            db.session.scalars(select(Cooperative.vat_id)).all()
            + db.session.scalars(select(Buyer.vat_id).where(Buyer.vat_id.is_not(None))).all()
        )
        kvk_numbers = (
            db.session.scalars(select(Cooperative.kvk_number)).all()
            + db.session.scalars(
                select(Buyer.kvk_number).where(Buyer.kvk_number.is_not(None))
            ).all()
        )
        ibans = (
            db.session.scalars(select(Cooperative.iban)).all()
            + db.session.scalars(
                select(Municipality.iban).where(Municipality.iban.is_not(None))
            ).all()
            + db.session.scalars(select(Member.iban)).all()
        )

    assert len(vat_ids) == len(set(vat_ids)) == 4
    assert len(kvk_numbers) == len(set(kvk_numbers)) == 4
    assert len(ibans) == len(set(ibans)) == 3 + 4 + 15


def test_demo_client_numbers_pass_the_member_form(app, runner):
    """None of them looks like a BSN, so a coordinator can save each member unchanged."""
    load(runner)

    with app.test_request_context():
        for member in db.session.scalars(select(Member)):
            typed = {
                "trade_name": member.trade_name,
                "municipality_id": str(member.municipality_id),
                "client_number": member.client_number,
            }
            form = MemberDetailsForm(formdata=MultiDict(typed))
            form.municipality_id.choices = [(member.municipality_id, member.municipality.name)]
            assert form.validate(), (member.client_number, form.errors)


def test_demo_levy_versions_are_stored_per_cooperative(app, runner):
    load(runner)

    with app.app_context():
        levies = dict(
            db.session.execute(
                select(Cooperative.slug, LevyRate.levy_bp).join(LevyRate.cooperative)
            ).all()
        )
        rules = db.session.scalar(select(func.count()).select_from(SettlementRuleVersion))

    assert levies == {"utrecht-samen": 1500, "amsterdam-maakt": 1250, "rotterdam-werkt": 1000}
    assert rules == 5
