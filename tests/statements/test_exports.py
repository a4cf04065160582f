"""The CSV and XLSX writers: exact amounts, any text, and a workbook spreadsheets can read."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from coopshop.statements.exports import Money, Table, decimal_text, to_csv, to_xlsx

EURO = '"€" #,##0.00;"€" -#,##0.00'


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_amounts_are_written_as_exact_decimals(cents):
    assert Decimal(decimal_text(cents)) == Decimal(cents).scaleb(-2)
    assert (
        decimal_text(cents).split(".")[1].isdigit() and len(decimal_text(cents).split(".")[1]) == 2
    )


def test_the_xlsx_keeps_text_numbers_and_formats_as_given():
    table = Table(
        "Overzicht: leden [2026/09]?",
        ["Naam", "Bedrag", "Aantal", "Opmerking"],
        [
            ["Zoë & Co <BV>", Money(123_456_789), 3, "  spaties eromheen  "],
            ['"Aanhalingstekens"', Money(-5), 0, ""],
            ["Totaal", Money(0), 12, "tab\tin de tekst"],
        ],
    )

    content = to_xlsx(table)

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))  # every part is well-formed XML
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Overzicht- leden -2026-09--"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Naam", "Bedrag", "Aantal", "Opmerking"]
    assert values[1][0] == "Zoë & Co <BV>"
    assert Decimal(str(values[1][1])) == Decimal("1234567.89")
    assert values[1][2:] == [3, "  spaties eromheen  "]
    assert values[2][0] == '"Aanhalingstekens"'
    assert Decimal(str(values[2][1])) == Decimal("-0.05")
    assert values[2][2:] == [0, None]
    assert values[3] == ["Totaal", 0, 12, "tab\tin de tekst"]
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])
    assert [sheet.cell(row=n, column=2).number_format for n in (2, 3, 4)] == [EURO] * 3
    assert sheet.cell(row=2, column=3).number_format == "General"
    # Column widths follow the longest text, between 10 and 40.
    assert sheet.column_dimensions["A"].width == len('"Aanhalingstekens"') + 2
    assert sheet.column_dimensions["C"].width == 10


def test_the_same_table_gives_the_same_bytes():
    table = Table("Leden", ["Naam", "Bedrag"], [["Fatima", Money(100)]])
    assert to_xlsx(table) == to_xlsx(table)
    assert to_csv(table) == "\ufeffNaam;Bedrag\r\nFatima;1,00\r\n".encode()


def test_an_empty_table_is_still_a_workbook():
    sheet = load_workbook(io.BytesIO(to_xlsx(Table("Leeg", ["Naam"])))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["Naam"]]


TEXT = st.text(alphabet=st.sampled_from("aZë€ 0;,.&<>\"'\t\n-"), max_size=10)
CELL = st.one_of(
    TEXT, st.integers(-(10**12), 10**12), st.builds(Money, st.integers(-(10**12), 10**12))
)


@given(
    st.lists(TEXT, min_size=1, max_size=4).flatmap(
        lambda headers: st.tuples(
            st.just(headers),
            st.lists(st.lists(CELL, min_size=len(headers), max_size=len(headers)), max_size=8),
        )
    )
)
def test_every_cell_reads_back_from_both_files(table_cells):
    """Rows of any mix of cell types (the writers group rows of the same types): the CSV and
    the workbook give back each cell, amounts exactly, in its place."""
    headers, rows = table_cells
    table = Table("Lijst", headers, rows)

    as_csv = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig")), delimiter=";"))
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    cells = sheet.iter_rows(max_row=len(rows) + 1, max_col=len(headers))  # empty ones too
    as_xlsx = [[cell.value for cell in row] for row in cells]

    assert as_csv == [headers] + [[csv_text(cell) for cell in row] for row in rows]
    assert as_xlsx[0] == [header or None for header in headers]
    for row, read in zip(rows, as_xlsx[1:], strict=True):
        for cell, value in zip(row, read, strict=True):
            if isinstance(cell, Money):
                assert Decimal(str(value)) == Decimal(cell.cents).scaleb(-2)
            else:
                assert value == (cell if cell != "" else None)


def csv_text(cell) -> str:
    return decimal_text(cell.cents).replace(".", ",") if isinstance(cell, Money) else str(cell)
