"""Issued reports never change; the rule version they were made under never changes either."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coopshop.cooperatives import services
from coopshop.extensions import db
from coopshop.settlement.documents import sha256
from coopshop.settlement.reports import report_file
from tests.factories import (
    gen_cooperative,
    gen_member,
    gen_municipality,
    gen_network_admin,
)
from tests.settlement.helpers import book_income, close, mid_month, pdf_text


def issued_report():
    municipality = gen_municipality(name="Utrecht")
    cooperative = gen_cooperative(name="Coöperatie Samen")
    member = gen_member(cooperative, municipality, name="Fatima el Amrani", client_number="0344-1")
    book_income(member, 51_000, mid_month("2026-09"))
    (report,) = close(cooperative, "2026-09")
    return municipality, report


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE settlement_report SET withheld_cents = 0",
        "DELETE FROM settlement_report",
        "UPDATE settlement_line SET withheld_cents = 0",
        "DELETE FROM settlement_line",
    ],
)
def test_the_database_refuses_to_change_an_issued_report(app, statement):
    with app.app_context():
        issued_report()

        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_the_stored_files_are_handed_out_byte_for_byte_with_their_checksums(app):
    with app.app_context():
        _municipality, report = issued_report()

        for file_format in ("pdf", "csv", "xlsx"):
            file = report_file(report, file_format)
            assert file.content == getattr(report, file_format)
            assert sha256(file.content) == getattr(report, f"{file_format}_sha256")
        assert report_file(report, "pdf").filename == "verrekening-utrecht-2026-09.pdf"


def test_the_pdf_shows_the_cooperative_the_rule_every_figure_and_page_numbers(app):
    with app.app_context():
        _municipality, report = issued_report()

        text_of_pdf = pdf_text(report.pdf)

    for expected in (
        "Verrekening inkomsten \u2013 gemeente Utrecht \u2013 september 2026",
        "Coöperatie Samen",
        "KvK-nummer: 81234567",
        "Geldig vanaf 1 januari 2026",
        "25 %, hoogstens € 285,00 per maand, 6 maanden",
        "0344-1",
        "Fatima el Amrani",
        "€ 510,00",  # income
        "Totaal (1 leden)",
        "Correcties op eerdere perioden",
        "door de opdrachtregel (coopshop settle close)",
        "Pagina 1 van 1",
    ):
        assert expected in text_of_pdf, expected


def test_a_rule_version_in_use_can_no_longer_change(app):
    with app.test_request_context():
        municipality, report = issued_report()
        rule = report.rule_version
        admin = gen_network_admin()
        values = {
            "effective_from": rule.effective_from,
            "period": "month",
            "basis": "gross",
            "tax_reserve_bp": 0,
            "exemption_bp": 0,
            "exemption_cap_cents": 0,
            "exemption_max_months": 0,
            "offset_bp": 10_000,
            "withhold": True,
            "source_note": "gewijzigd",
        }

        with pytest.raises(services.RuleVersionInUse, match="kan zij niet meer veranderen"):
            services.save_rule_version(admin, municipality, rule, values)
        db.session.rollback()
        assert rule.exemption_bp == 2500
        # And the database refuses it too, whatever the application does.
        with pytest.raises(DBAPIError, match="used by an issued report"):
            db.session.execute(
                text("UPDATE settlement_rule_version SET exemption_bp = 0 WHERE id = :id"),
                {"id": rule.id},
            )
        db.session.rollback()


def test_a_new_rule_version_cannot_start_in_a_settled_period(app):
    with app.test_request_context():
        municipality, _report = issued_report()
        admin = gen_network_admin()
        values = {
            "period": "month",
            "basis": "gross",
            "tax_reserve_bp": 0,
            "exemption_bp": 2500,
            "exemption_cap_cents": 29000,
            "exemption_max_months": 6,
            "offset_bp": 10_000,
            "withhold": True,
            "source_note": "Indexatie 1 juli",
        }

        with pytest.raises(services.RuleVersionRewritesHistory, match="al verrekend"):
            services.save_rule_version(
                admin, municipality, None, {**values, "effective_from": date(2026, 9, 1)}
            )
        db.session.rollback()
        new = services.save_rule_version(
            admin, municipality, None, {**values, "effective_from": date(2026, 9, 2)}
        )
        assert new.id is not None


def test_a_rule_version_not_yet_used_can_still_change(app):
    with app.test_request_context():
        municipality = gen_municipality()
        rule = municipality.rule_versions[0]
        admin = gen_network_admin()
        values = {"effective_from": rule.effective_from, "source_note": "Beleidsregel 2026"}

        services.save_rule_version(admin, municipality, rule, values)

        assert rule.source_note == "Beleidsregel 2026"
