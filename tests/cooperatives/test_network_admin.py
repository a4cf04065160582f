"""Network admin screens: cooperatives and their levy, municipalities and their rule versions."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from sqlalchemy import func, select

from coopshop.accounts.models import BuyerKind
from coopshop.cooperatives.models import (
    Cooperative,
    LevyRate,
    Municipality,
    SettlementRuleVersion,
)
from coopshop.extensions import db
from tests.conftest import login
from tests.factories import gen_buyer, gen_cooperative, gen_municipality, gen_network_admin

ERROR_SUMMARY = "Er is iets niet goed ingevuld"


def page_text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def field_error(response: Any, field_id: str) -> str:
    """The error message rendered next to one field (empty when the field has none)."""
    html = response.get_data(as_text=True)
    match = re.search(rf'id="{field_id}-error">(.*?)</div>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def count(app: Any, model: type[Any]) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def network_client(app, client):
    with app.app_context():
        email = gen_network_admin().email
    login(client, email)
    return client


def cooperative_form(**overrides: str) -> dict[str, str]:
    """A cooperative typed the way people type: spaces, lower case, dots."""
    return {
        "name": "Coöperatie De Brug",
        "slug": "de-brug",
        "street": "Oudegracht 1",
        "postcode": "3511ax",
        "city": "Utrecht",
        "kvk_number": "8123 4567",
        "vat_id": "nl 8123.45678.b01",
        "iban": "nl91 abna 0417 1643 00",
        "invoice_prefix": "BRUG",
        "email": "info@debrug.nl",
        "description": "Wij helpen ondernemers in Utrecht.",
        **overrides,
    }


def rule_form(**overrides: str) -> dict[str, str]:
    return {
        "effective_from": "2026-07-01",
        "period": "month",
        "basis": "gross",
        "tax_reserve": "",
        "exemption": "25",
        "exemption_cap_cents": "285,00",
        "exemption_max_months": "6",
        "offset": "100",
        "withhold": "y",
        "source_note": "Beleidsregel 2026",
        **overrides,
    }


# --- cooperatives -------------------------------------------------------------------------------


def test_new_cooperative_is_stored_with_normalised_identifiers(app, network_client):
    response = network_client.post("/netwerk/cooperaties/nieuw", data=cooperative_form())

    with app.app_context():
        cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == "de-brug"))
        assert response.status_code == 302
        assert response.headers["Location"] == f"/netwerk/cooperaties/{cooperative.id}"
        assert cooperative.name == "Coöperatie De Brug"
        assert cooperative.postcode == "3511 AX"
        assert cooperative.kvk_number == "81234567"
        assert cooperative.vat_id == "NL812345678B01"
        assert cooperative.iban == "NL91ABNA0417164300"
        assert cooperative.invoice_prefix == "BRUG"
    page = page_text(network_client.get(response.headers["Location"]))
    assert "De gegevens van de coöperatie zijn opgeslagen." in page


def test_new_cooperative_page_shows_an_empty_form(network_client):
    response = network_client.get("/netwerk/cooperaties/nieuw")

    assert response.status_code == 200
    assert "Coöperatie toevoegen" in page_text(response)
    assert ERROR_SUMMARY not in page_text(response)


@pytest.mark.parametrize(
    ("field", "value", "label", "message"),
    [
        (
            "iban",
            "NL91 ABNA 0417 1643 01",
            "IBAN",
            "Dit IBAN klopt niet. Controleer de letters en cijfers, bijvoorbeeld NL91 ABNA 0417 1643 00.",
        ),
        (
            "kvk_number",
            "1234567",
            "KvK-nummer",
            "Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 12345678.",
        ),
        (
            "vat_id",
            "NL123456789B01",
            "Btw-nummer",
            "Dit btw-nummer klopt niet. Een Nederlands btw-id ziet eruit als NL123456789B01.",
        ),
        (
            "postcode",
            "1234A",
            "Postcode",
            "Deze postcode klopt niet. Een postcode is 4 cijfers en 2 letters, bijvoorbeeld 1234 AB.",
        ),
    ],
)
def test_invalid_identifier_is_explained_next_to_its_field_and_nothing_is_stored(
    app, network_client, field, value, label, message
):
    response = network_client.post(
        "/netwerk/cooperaties/nieuw", data=cooperative_form(**{field: value})
    )

    assert response.status_code == 200
    assert field_error(response, field) == message
    assert ERROR_SUMMARY in page_text(response)
    assert f"{label}: {message}" in page_text(response)
    assert f'value="{value}"' in response.get_data(as_text=True)  # what was typed stays
    assert count(app, Cooperative) == 0


@pytest.mark.parametrize(
    ("taken", "message"),
    [
        (
            {"slug": "de-brug"},
            "Deze korte naam (slug) wordt al gebruikt door een andere coöperatie.",
        ),
        (
            {"invoice_prefix": "BRUG"},
            "Dit factuurvoorvoegsel wordt al gebruikt door een andere coöperatie.",
        ),
    ],
)
def test_slug_and_invoice_prefix_must_be_unique(app, network_client, taken, message):
    with app.app_context():
        gen_cooperative(**taken)

    response = network_client.post("/netwerk/cooperaties/nieuw", data=cooperative_form())

    assert response.status_code == 200
    assert ERROR_SUMMARY in page_text(response)
    assert message in page_text(response)
    assert count(app, Cooperative) == 1


def test_editing_a_cooperative_keeps_its_own_slug_and_prefix(app, network_client):
    with app.app_context():
        cooperative_id = gen_cooperative(slug="de-brug", invoice_prefix="BRUG").id

    response = network_client.post(
        f"/netwerk/cooperaties/{cooperative_id}",
        data=cooperative_form(name="De Brug U.A.", city="Nieuwegein"),
    )

    assert response.status_code == 302
    with app.app_context():
        cooperative = db.session.get(Cooperative, cooperative_id)
        assert (cooperative.name, cooperative.city) == ("De Brug U.A.", "Nieuwegein")


def test_network_dashboard_lists_cooperatives_with_their_member_counts(app, network_client):
    with app.app_context():
        gen_cooperative(name="Coöperatie Zonder Leden")

    response = network_client.get("/netwerk/")

    assert response.status_code == 200
    assert "Coöperatie Zonder Leden" in page_text(response)


# --- levy versions ------------------------------------------------------------------------------


def test_levy_percentage_typed_with_a_comma_is_stored_in_basis_points(app, network_client):
    with app.app_context():
        cooperative_id = gen_cooperative(levy_bp=1500).id

    response = network_client.post(
        f"/netwerk/cooperaties/{cooperative_id}/afdracht",
        data={"levy": "12,5", "effective_from": "2026-07-01", "note": "Besluit ALV mei 2026"},
    )

    assert response.status_code == 302
    with app.app_context():
        rates = db.session.scalars(
            select(LevyRate)
            .where(LevyRate.cooperative_id == cooperative_id)
            .order_by(LevyRate.effective_from)
        ).all()
        assert [(r.effective_from, r.levy_bp, r.note) for r in rates] == [
            (date(2026, 1, 1), 1500, ""),
            (date(2026, 7, 1), 1250, "Besluit ALV mei 2026"),
        ]
    page = page_text(network_client.get(f"/netwerk/cooperaties/{cooperative_id}"))
    assert "Het nieuwe afdrachtpercentage is opgeslagen." in page


def test_second_levy_version_on_the_same_date_is_refused(app, network_client):
    with app.app_context():
        cooperative_id = gen_cooperative(levy_bp=1500).id

    response = network_client.post(
        f"/netwerk/cooperaties/{cooperative_id}/afdracht",
        data={"levy": "10", "effective_from": "2026-01-01"},
    )

    assert response.status_code == 400
    assert field_error(response, "effective_from") == (
        "Er is al een afdrachtpercentage vanaf deze datum. Kies een andere datum."
    )
    assert count(app, LevyRate) == 1


def test_levy_above_hundred_percent_is_refused(app, network_client):
    with app.app_context():
        cooperative_id = gen_cooperative().id

    response = network_client.post(
        f"/netwerk/cooperaties/{cooperative_id}/afdracht",
        data={"levy": "150", "effective_from": "2026-07-01"},
    )

    assert response.status_code == 400
    assert field_error(response, "levy") == (
        "Vul een percentage tussen 0 en 100 in, bijvoorbeeld 25 of 12,5."
    )
    assert count(app, LevyRate) == 1


def test_levy_bp_on_picks_the_version_in_force_that_day(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)  # from 2026-01-01
        cooperative.levy_rates.append(LevyRate(levy_bp=1250, effective_from=date(2026, 7, 1)))
        cooperative.levy_rates.append(LevyRate(levy_bp=1000, effective_from=date(2025, 1, 1)))
        db.session.commit()

        assert cooperative.levy_bp_on(date(2024, 12, 31)) is None
        assert cooperative.levy_bp_on(date(2025, 1, 1)) == 1000
        assert cooperative.levy_bp_on(date(2025, 12, 31)) == 1000
        assert cooperative.levy_bp_on(date(2026, 1, 1)) == 1500
        assert cooperative.levy_bp_on(date(2026, 6, 30)) == 1500
        assert cooperative.levy_bp_on(date(2026, 7, 1)) == 1250


def test_levy_bp_on_does_not_depend_on_the_order_versions_were_added():
    cooperative = Cooperative(
        levy_rates=[
            LevyRate(levy_bp=1500, effective_from=date(2026, 1, 1)),
            LevyRate(levy_bp=1000, effective_from=date(2025, 1, 1)),
        ]
    )

    assert cooperative.levy_bp_on(date(2026, 3, 1)) == 1500


# --- municipalities -----------------------------------------------------------------------------


def test_new_municipality_is_stored_with_normalised_cbs_code(app, network_client):
    response = network_client.post(
        "/netwerk/gemeenten/nieuw", data={"name": "Utrecht", "cbs_code": "gm0344", "iban": ""}
    )

    with app.app_context():
        municipality = db.session.scalar(select(Municipality))
        assert response.status_code == 302
        assert response.headers["Location"] == f"/netwerk/gemeenten/{municipality.id}"
        assert (municipality.name, municipality.cbs_code, municipality.iban) == (
            "Utrecht",
            "GM0344",
            None,
        )


def test_editing_a_municipality_changes_name_and_iban(app, network_client):
    with app.app_context():
        municipality_id = gen_municipality(name="Utrecht", cbs_code="GM0344").id

    response = network_client.post(
        f"/netwerk/gemeenten/{municipality_id}",
        data={"name": "Gemeente Utrecht", "cbs_code": "GM0344", "iban": "nl91abna0417164300"},
    )

    assert response.status_code == 302
    with app.app_context():
        municipality = db.session.get(Municipality, municipality_id)
        assert (municipality.name, municipality.iban) == ("Gemeente Utrecht", "NL91ABNA0417164300")


def test_invalid_cbs_code_is_explained(app, network_client):
    response = network_client.post(
        "/netwerk/gemeenten/nieuw", data={"name": "Utrecht", "cbs_code": "GM344"}
    )

    assert response.status_code == 200
    assert field_error(response, "cbs_code") == (
        "Een CBS-code is GM met 4 cijfers, bijvoorbeeld GM0363."
    )
    assert ERROR_SUMMARY in page_text(response)
    assert count(app, Municipality) == 0


def test_duplicate_cbs_code_is_refused(app, network_client):
    with app.app_context():
        gen_municipality(cbs_code="GM0344")

    response = network_client.post(
        "/netwerk/gemeenten/nieuw", data={"name": "Utrecht (dubbel)", "cbs_code": "gm0344"}
    )

    assert response.status_code == 200
    assert field_error(response, "cbs_code") == "Er is al een gemeente met deze CBS-code."
    assert count(app, Municipality) == 1


def test_municipalities_page_lists_each_with_its_number_of_rule_versions(app, network_client):
    with app.app_context():
        gen_municipality(name="Nieuwegein", cbs_code="GM0356")

    response = network_client.get("/netwerk/gemeenten")

    assert response.status_code == 200
    assert "Nieuwegein" in page_text(response)
    assert "GM0356" in page_text(response)


# --- settlement rule versions -------------------------------------------------------------------


def stored_rule(app: Any, municipality_id: int, day: date) -> dict[str, Any]:
    with app.app_context():
        rule = db.session.scalar(
            select(SettlementRuleVersion).where(
                SettlementRuleVersion.municipality_id == municipality_id,
                SettlementRuleVersion.effective_from == day,
            )
        )
        return {
            "period": rule.period,
            "basis": rule.basis,
            "tax_reserve_bp": rule.tax_reserve_bp,
            "exemption_bp": rule.exemption_bp,
            "exemption_cap_cents": rule.exemption_cap_cents,
            "exemption_max_months": rule.exemption_max_months,
            "offset_bp": rule.offset_bp,
            "withhold": rule.withhold,
            "source_note": rule.source_note,
        }


def test_rule_version_gross_monthly_with_withholding_is_stored_in_cents_and_basis_points(
    app, network_client
):
    with app.app_context():
        municipality_id = gen_municipality().id

    response = network_client.post(
        f"/netwerk/gemeenten/{municipality_id}/regels/nieuw", data=rule_form()
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/netwerk/gemeenten/{municipality_id}"
    assert stored_rule(app, municipality_id, date(2026, 7, 1)) == {
        "period": "month",
        "basis": "gross",
        "tax_reserve_bp": 0,
        "exemption_bp": 2500,
        "exemption_cap_cents": 28500,
        "exemption_max_months": 6,
        "offset_bp": 10000,
        "withhold": True,
        "source_note": "Beleidsregel 2026",
    }
    page = page_text(network_client.get(f"/netwerk/gemeenten/{municipality_id}"))
    assert "De regelversie is opgeslagen." in page
    assert "1 juli 2026" in page
    assert "25 %, maximaal € 285,00 per maand, 6 maanden" in page


def test_rule_version_net_quarterly_with_tax_reserve_and_without_withholding(app, network_client):
    with app.app_context():
        municipality_id = gen_municipality().id
    data = rule_form(period="quarter", basis="net", tax_reserve="17,5", offset="75")
    del data["withhold"]  # an unticked checkbox is not sent

    response = network_client.post(f"/netwerk/gemeenten/{municipality_id}/regels/nieuw", data=data)

    assert response.status_code == 302
    stored = stored_rule(app, municipality_id, date(2026, 7, 1))
    assert (stored["period"], stored["basis"], stored["tax_reserve_bp"]) == ("quarter", "net", 1750)
    assert (stored["offset_bp"], stored["withhold"]) == (7500, False)


def test_second_rule_version_on_the_same_date_is_refused(app, network_client):
    with app.app_context():
        municipality_id = gen_municipality().id  # has a version from 2026-01-01

    response = network_client.post(
        f"/netwerk/gemeenten/{municipality_id}/regels/nieuw",
        data=rule_form(effective_from="2026-01-01", exemption_cap_cents="300,00"),
    )

    assert response.status_code == 200
    assert field_error(response, "effective_from") == (
        "Er is al een regelversie vanaf deze datum. Kies een andere datum."
    )
    assert count(app, SettlementRuleVersion) == 1
    assert stored_rule(app, municipality_id, date(2026, 1, 1))["exemption_cap_cents"] == 28500


def test_editing_a_rule_version_changes_it_in_place(app, network_client):
    with app.app_context():
        municipality = gen_municipality()
        municipality_id, rule_id = municipality.id, municipality.rule_versions[0].id

    response = network_client.post(
        f"/netwerk/gemeenten/{municipality_id}/regels/{rule_id}",
        data=rule_form(effective_from="2026-01-01", exemption_cap_cents="290,50"),
    )

    assert response.status_code == 302
    assert stored_rule(app, municipality_id, date(2026, 1, 1))["exemption_cap_cents"] == 29050
    assert count(app, SettlementRuleVersion) == 1


def test_rule_version_of_another_municipality_is_not_found(app, network_client):
    with app.app_context():
        municipality_id = gen_municipality().id
        other_rule_id = gen_municipality().rule_versions[0].id

    response = network_client.get(f"/netwerk/gemeenten/{municipality_id}/regels/{other_rule_id}")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12,345", "Gebruik hoogstens 2 cijfers achter de komma, bijvoorbeeld 12,50."),
        ("abc", "Dit is geen bedrag. Schrijf het zo: 12,50 of 1.250,00."),
        ("-5", "Het bedrag mag niet negatief zijn."),
    ],
)
def test_invalid_exemption_cap_is_explained_in_dutch(app, network_client, typed, message):
    with app.app_context():
        municipality_id = gen_municipality().id

    response = network_client.post(
        f"/netwerk/gemeenten/{municipality_id}/regels/nieuw",
        data=rule_form(exemption_cap_cents=typed),
    )

    assert response.status_code == 200
    assert field_error(response, "exemption_cap_cents") == message
    assert ERROR_SUMMARY in page_text(response)
    assert count(app, SettlementRuleVersion) == 1


def test_rule_on_picks_the_version_in_force_on_the_day(app):
    with app.app_context():
        municipality = gen_municipality(rule={"exemption_cap_cents": 28500})  # from 2026-01-01
        indexed = gen_municipality(
            rule={"effective_from": date(2026, 7, 1), "exemption_cap_cents": 29000}
        ).rule_versions[0]
        indexed.municipality = municipality
        db.session.commit()

        assert municipality.rule_on(date(2025, 12, 31)) is None
        assert municipality.rule_on(date(2026, 1, 1)).exemption_cap_cents == 28500
        assert municipality.rule_on(date(2026, 6, 30)).exemption_cap_cents == 28500
        assert municipality.rule_on(date(2026, 7, 1)).exemption_cap_cents == 29000
        assert municipality.rule_on(date(2027, 1, 1)).exemption_cap_cents == 29000


def test_rule_on_does_not_depend_on_the_order_versions_were_added():
    later = SettlementRuleVersion(effective_from=date(2026, 7, 1))
    earlier = SettlementRuleVersion(effective_from=date(2026, 1, 1))
    municipality = Municipality(rule_versions=[later, earlier])

    assert municipality.rule_on(date(2026, 8, 1)) is later
    assert municipality.rule_on(date(2026, 3, 1)) is earlier


# --- buyers -------------------------------------------------------------------------------------


def test_buyers_page_lists_consumers_and_companies(app, network_client):
    with app.app_context():
        gen_buyer(name="Anna Koper")
        company = gen_buyer(name="Bram Inkoop", kind=BuyerKind.BUSINESS)
        company.buyer.company_name = "Groen Kantoor B.V."
        company.buyer.city = "Utrecht"
        db.session.commit()

    response = network_client.get("/netwerk/kopers")

    page = page_text(response)
    assert response.status_code == 200
    assert "Anna Koper" in page
    assert "particulier" in page
    assert "Bram Inkoop" in page
    assert "bedrijf" in page
    assert "Groen Kantoor B.V." in page
