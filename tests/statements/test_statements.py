"""Statements are derived from postings and agree, to the cent, with `coopshop ledger balances`."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from coopshop.extensions import db
from coopshop.ledger.flows import SaleLine, post_sale
from tests.conftest import login
from tests.factories import gen_coop_admin, gen_cooperative, gen_member, gen_network_admin


def book_sales(app):
    """Two months of sales for two members of one cooperative (levy 15 %)."""
    with app.app_context():
        cooperative = gen_cooperative(slug="samen", levy_bp=1500)
        fatima = gen_member(cooperative, trade_name="Fatima Naait", email="fatima@example.com")
        jan = gen_member(cooperative, trade_name="Jan Fietst", email="jan@example.com")
        for reference, day, lines in [
            ("F1", date(2026, 9, 3), [SaleLine(fatima.id, 12100, 21)]),
            ("F2", date(2026, 10, 8), [SaleLine(fatima.id, 2500, 9), SaleLine(jan.id, 999, 0)]),
        ]:
            post_sale(
                cooperative_id=cooperative.id,
                invoice_reference=reference,
                booking_date=day,
                levy_bp=1500,
                lines=lines,
            )
        db.session.commit()
        admin = gen_coop_admin(cooperative).email
        return cooperative.id, fatima.id, admin


def test_the_member_sees_each_month_to_the_cent(app, client):
    book_sales(app)
    login(client, "fatima@example.com")
    html = client.get("/mijn/verdiensten").get_data(as_text=True)
    # September: 12100 gross at 21 % -> 10000 ex VAT, levy 1500, income 8500.
    # October: 2500 gross at 9 % -> 2294 ex VAT, levy 344, income 1950; pot 8500 + 1950.
    for text in (
        "september 2026",
        "€ 100,00",
        "€ 15,00",
        "€ 85,00",
        "oktober 2026",
        "€ 22,94",
        "€ 3,44",
        "€ 19,50",
        "€ 104,50",
    ):
        assert text in html
    assert "Uw saldo is nu € 104,50." in html
    assert '<svg class="chart__svg"' in html and 'role="img"' in html


def test_a_member_never_sees_another_members_figures(app, client):
    book_sales(app)
    login(client, "jan@example.com")
    html = client.get("/mijn/verdiensten").get_data(as_text=True)
    assert "€ 85,00" not in html  # Fatima's September income
    assert "Uw saldo is nu € 8,49." in html  # 999 at 0 %: levy 150, income 849


def test_the_csv_download_has_the_pages_figures(app, client):
    book_sales(app)
    login(client, "fatima@example.com")
    response = client.get("/mijn/verdiensten.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="verdiensten.csv"'
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][0] == "Maand"
    assert rows[1] == ["september 2026", "100,00", "15,00", "85,00", "0,00", "0,00", "85,00"]
    assert rows[2] == ["oktober 2026", "22,94", "3,44", "19,50", "0,00", "0,00", "104,50"]


def test_the_xlsx_download_holds_exact_amounts(app, client):
    book_sales(app)
    login(client, "fatima@example.com")
    response = client.get("/mijn/verdiensten.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [Decimal(str(v)) for v in values[1][1:]] == [
        Decimal("22.94"),
        Decimal("3.44"),
        Decimal("19.5"),
        0,
        0,
        Decimal("104.5"),
    ]
    assert sheet["B2"].number_format.startswith('"€"')


def test_an_unknown_download_format_is_not_found(app, client):
    book_sales(app)
    login(client, "fatima@example.com")
    assert client.get("/mijn/verdiensten.pdf").status_code == 404


def test_fund_statement_and_member_overview_agree_with_ledger_balances(app, client, runner):
    cooperative_id, _fatima_id, admin = book_sales(app)
    balances = runner.invoke(
        args=["ledger", "balances", "--by", "account", "--cooperative", "samen"]
    )
    assert balances.exit_code == 0
    # Levy: 1500 + 344 + 150 = 1994 into the fund.
    assert f"coop:{cooperative_id}:support_fund" in balances.output
    assert "€ -19,94" in balances.output
    login(client, admin)
    fund = client.get(f"/cooperatie/{cooperative_id}/steunfonds").get_data(as_text=True)
    assert "€ 15,00" in fund and "€ 4,94" in fund and "€ 19,94" in fund
    overview = client.get(f"/cooperatie/{cooperative_id}/overzicht-leden").get_data(as_text=True)
    assert "Fatima Naait" in overview and "€ 104,50" in overview
    assert "Jan Fietst" in overview and "€ 8,49" in overview
    assert "€ -104,50" in balances.output and "€ -8,49" in balances.output
    export = client.get(f"/cooperatie/{cooperative_id}/overzicht-leden.csv").get_data(as_text=True)
    assert "Fatima Naait" in export and "104,50" in export


def test_a_network_admin_sees_every_cooperatives_statements(app, client):
    cooperative_id, _fatima_id, _admin = book_sales(app)
    with app.app_context():
        email = gen_network_admin().email
    login(client, email)
    assert client.get(f"/cooperatie/{cooperative_id}/steunfonds").status_code == 200
    assert client.get(f"/cooperatie/{cooperative_id}/overzicht-leden.xlsx").status_code == 200
