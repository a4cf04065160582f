"""The CSV and XLSX of an issued report hold the same figures, to the cent, as the report."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text as sql

from coopshop.extensions import db
from coopshop.invoicing.booking import book_credit_note
from coopshop.settlement.documents import HEADERS
from tests.conftest import BACKEND
from tests.factories import gen_cooperative, gen_member, gen_municipality
from tests.invoicing.helpers import credit
from tests.settlement.helpers import book_income, close
from tests.settlement.test_corrections import invoiced_september

SEPTEMBER = date(2026, 9, 15)
EURO = '"€" #,##0.00;"€" -#,##0.00'


def xlsx_rows(content: bytes) -> tuple[str, list[list[object]], list[list[str]], list[bool]]:
    """The sheet's title, its cell values, their number formats, and which header is bold."""
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    values = [[cell.value for cell in row] for row in rows]
    formats = [[cell.number_format for cell in row] for row in rows]
    return sheet.title, values, formats, [bool(cell.font.b) for cell in rows[0]]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def euros(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_xlsx_has_every_member_and_the_totals_as_numbers_in_euros(app):
    with app.app_context():
        utrecht = gen_municipality(name="Utrecht")
        cooperative = gen_cooperative(name="Coöperatie Samen")
        fatima = gen_member(
            cooperative,
            utrecht,
            name="Fatima el Amrani",
            client_number="0344-1",
            exemption_eligible=True,
        )
        jan = gen_member(cooperative, utrecht, name="Jan de Vries", client_number="0344-2")
        book_income(fatima, 51_000, SEPTEMBER)
        book_income(jan, 20_001, SEPTEMBER)

        (report,) = close(cooperative, "2026-09")
        title, values, formats, bold = xlsx_rows(report.xlsx)

    assert title == "Verrekening Utrecht 2026-09"
    assert values[0] == HEADERS
    assert all(bold)
    # Fatima: 25 % exemption of 510,00; Jan is not eligible: everything counts.
    assert values[1][:3] == ["0344-1", "Fatima el Amrani", "ja"]
    assert [euros(v) for v in values[1][3:10]] == [
        Decimal(x) for x in ("510.00", "510.00", "127.50", "382.50", "382.50", "382.50", "0.00")
    ]
    assert values[1][10:] == [1, 0, 1, 5]
    assert values[2][:3] == ["0344-2", "Jan de Vries", "nee"]
    assert [euros(v) for v in values[2][3:10]] == [
        Decimal(x) for x in ("200.01", "200.01", "0.00", "200.01", "200.01", "200.01", "0.00")
    ]
    assert values[2][10:] == [0, 0, 0, 0]
    assert values[3][:2] == ["Totaal", "2 leden"]
    assert [euros(v) for v in values[3][3:10]] == [
        Decimal(x) for x in ("710.01", "710.01", "127.50", "582.51", "582.51", "582.51", "0.00")
    ]
    assert len(values) == 4
    for row in formats[1:]:
        assert row[3:10] == [EURO] * 7
    for row in values[1:3]:
        assert all(isinstance(v, int | float) for v in row[3:])


def test_the_csv_and_the_xlsx_agree_on_every_figure_also_with_corrections(app):
    with app.app_context():
        cooperative, member, invoice = invoiced_september()
        gen_member(cooperative, member.municipality, name="Zoë Bakker")
        close(cooperative, "2026-09")
        note = credit(invoice, [(invoice.lines[0], 12_100)], issue_date=date(2026, 9, 28))
        book_credit_note(note)
        db.session.commit()

        (october,) = close(cooperative, "2026-10")
        _title, values, formats, _bold = xlsx_rows(october.xlsx)
        table = csv_rows(october.csv)
        client_number, number = member.client_number, note.number

    assert table[0] == values[0] == HEADERS
    assert len(table) == len(values) == 6  # headers, 2 members, totals, heading, 1 correction
    for csv_row, xlsx_row, row_formats in zip(table, values, formats, strict=True):
        for text, value, number_format in zip(csv_row, xlsx_row, row_formats, strict=True):
            if number_format == EURO:
                assert euros(value) == Decimal(text.replace(",", "."))
            else:
                assert ("" if value is None else str(value)) == text
    assert values[1][:2] == [client_number, "Fatima el Amrani"]
    assert euros(values[1][3]) == Decimal("-85.00")
    assert values[4][0] == "Correcties op eerdere perioden"
    assert values[5][2] == (
        f"Creditnota {number}: correctie op september 2026, geboekt in oktober 2026"
    )
    assert euros(values[5][3]) == Decimal("-85.00")


@pytest.mark.skipif(BACKEND != "postgresql", reason="storage settings are PostgreSQL's")
def test_pdf_and_xlsx_are_stored_without_a_second_compression(app):
    """Both are compressed formats already; CSV is plain text and is compressed as usual."""
    with app.app_context():
        storage = dict(
            db.session.execute(
                sql(
                    "SELECT attname, attstorage FROM pg_attribute "
                    "WHERE attrelid = 'settlement_report'::regclass "
                    "AND attname IN ('pdf', 'csv', 'xlsx')"
                )
            ).all()
        )
    assert storage == {"pdf": "e", "xlsx": "e", "csv": "x"}
