"""The PDF says what Dutch invoice rules ask for, readable as text."""

from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader

from coopshop.invoicing.pdf import render_invoice_pdf
from tests.factories import gen_cooperative, gen_member
from tests.invoicing.helpers import credit, issue, line


def pdf_text(pdf: bytes) -> str:
    """The text of every page, with runs of whitespace made single spaces."""
    reader = PdfReader(BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def utrecht_invoice():  # type: ignore[no-untyped-def]
    cooperative = gen_cooperative(
        name="Utrecht Samen",
        invoice_prefix="UTS",
        kvk_number="87654321",
        vat_id="NL123456789B01",
        iban="NL91ABNA0417164300",
    )
    fatima = gen_member(cooperative, trade_name="Naaiatelier Fatima")
    jan = gen_member(cooperative, trade_name="Jan's Houtwerk")
    return issue(
        cooperative,
        [
            line(fatima, 12100, 21, description="Gordijnen op maat"),
            line(jan, 5000, 9, quantity=2, description="Boek over houtbewerking"),
            line(fatima, 1500, "exempt", description="Naailes"),
        ],
    )


def test_the_invoice_pdf_shows_every_required_detail(app):
    with app.app_context():
        invoice = utrecht_invoice()

        text = pdf_text(render_invoice_pdf(invoice))

    assert "Factuur UTS-2026-00001" in text
    for seller_detail in ("Utrecht Samen", "87654321", "NL123456789B01", "NL91ABNA0417164300"):
        assert seller_detail in text
    for buyer_detail in ("Bakkerij De Koper B.V.", "Karin de Koper", "NL001234567B01"):
        assert buyer_detail in text
    assert "PO-2026-117" in text
    assert "10 maart 2026" in text and "6 maart 2026" in text
    assert "1 Gordijnen op maat geleverd door Naaiatelier Fatima € 121,00 21% € 121,00" in text
    assert "2 Boek over houtbewerking geleverd door Jan's Houtwerk € 25,00 9% € 50,00" in text
    assert "1 Naailes geleverd door Naaiatelier Fatima € 15,00 vrijgesteld € 15,00" in text
    # Per rate: ex VAT, VAT, incl. VAT; 5000 at 9 % holds 413 VAT.
    assert "Btw 21% € 100,00 € 21,00 € 121,00" in text
    assert "Btw 9% € 45,87 € 4,13 € 50,00" in text
    assert "Btw vrijgesteld € 15,00 € 0,00 € 15,00" in text
    assert "Totaal € 160,87 € 25,13 € 186,00" in text
    assert "Pagina 1 van 1" in text
    assert "Creditnota" not in text


def test_the_credit_note_pdf_names_the_invoice_it_corrects(app):
    with app.app_context():
        invoice = utrecht_invoice()
        credit_note = credit(invoice, [(invoice.lines[0], 5000)], reason="Stof beschadigd")

        text = pdf_text(render_invoice_pdf(credit_note))

    assert "Creditnota UTS-2026-00002" in text
    assert "Correctie op factuur UTS-2026-00001" in text
    assert "Stof beschadigd" in text
    assert "Btw 21% € -41,32 € -8,68 € -50,00" in text
    assert "Pagina 1 van 1" in text


def test_a_long_invoice_numbers_every_page(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        invoice = issue(cooperative, [line(member, 1000 + n) for n in range(60)])

        text = pdf_text(render_invoice_pdf(invoice))

    pages = int(re.search(r"Pagina 1 van (\d+)", text).group(1))  # type: ignore[union-attr]
    assert pages >= 2
    assert f"Pagina {pages} van {pages}" in text
