"""What the buyer and the members receive: the confirmation with one invoice PDF per
cooperative (rendered when the outbox is delivered, not in the webhook), the members' notices,
and the PDFs' text."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.mail.models import OutboxAttachment, OutboxMessage
from coopshop.mail.services import deliver_pending, queue_email
from coopshop.orders.cart import CartEntry
from coopshop.orders.handling import handle_line
from coopshop.orders.history import Actor
from tests.orders.helpers import checkout_of, load_order, order_of, pay


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def delivered(app) -> dict[str, list]:
    """Deliver the outbox; every .eml file parsed, by recipient."""
    with app.app_context():
        deliver_pending()
    by_recipient: dict[str, list] = {}
    for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        by_recipient.setdefault(str(message["To"]), []).append(message)
    return by_recipient


def pdfs(message) -> dict[str, bytes]:
    return {
        part.get_filename(): part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }


def paid_order_from_two_cooperatives(app, client, shop) -> str:
    reference = order_of(
        app, CartEntry(shop.bag, 1, "shipping"), CartEntry(shop.mirror, 1, "pickup")
    )
    pay(client, app, reference)
    return reference


def test_the_webhook_queues_the_mail_and_leaves_the_pdfs_for_the_delivery(app, client, shop):
    paid_order_from_two_cooperatives(app, client, shop)

    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert sorted(m.recipient for m in messages) == sorted(
            ["karin@voorbeeld.nl", shop.member_a_email, shop.member_b_email]
        )
        # The texts too are written at delivery.
        assert {(m.body_text, m.body_render_kind) for m in messages} == {
            (None, "order-confirmation"),
            (None, "order-member-notice"),
        }
        attachments = db.session.scalars(select(OutboxAttachment)).all()
        assert [(a.filename, a.content, a.render_kind) for a in attachments] == [
            ("UTS-2026-00001.pdf", None, "invoice-pdf"),
            ("AMM-2026-00001.pdf", None, "invoice-pdf"),
        ]


def test_the_buyer_gets_both_invoices_as_pdf_attachments(app, client, shop):
    reference = paid_order_from_two_cooperatives(app, client, shop)

    mail = delivered(app)

    [confirmation] = mail["karin@voorbeeld.nl"]
    assert reference in confirmation["Subject"]
    assert set(pdfs(confirmation)) == {"UTS-2026-00001.pdf", "AMM-2026-00001.pdf"}
    body = confirmation.get_body(("plain",)).get_content()
    assert (
        "Elke coöperatie stuurt haar eigen factuur" in body and f"/bestelling/{reference}/" in body
    )
    with app.app_context():
        stored = db.session.scalars(select(OutboxAttachment)).all()
        assert all(a.content and a.content.startswith(b"%PDF") for a in stored)


def test_each_member_gets_a_notice_of_only_their_own_lines(app, client, shop):
    paid_order_from_two_cooperatives(app, client, shop)

    mail = delivered(app)

    [fatima] = mail[shop.member_a_email]
    [maria] = mail[shop.member_b_email]
    fatima_body = fatima.get_body(("plain",)).get_content()
    assert "Boodschappentas" in fatima_body and "Mozaïek spiegel" not in fatima_body
    assert "Marktplein 4" in fatima_body and "/mijn/bestellingen/" in fatima_body
    assert "Mozaïek spiegel" in maria.get_body(("plain",)).get_content()
    assert pdfs(fatima) == {}


def test_the_invoice_pdf_shows_the_amounts_numbers_and_vat(app, client, shop):
    paid_order_from_two_cooperatives(app, client, shop)

    attachments = pdfs(delivered(app)["karin@voorbeeld.nl"][0])
    utrecht = pdf_text(attachments["UTS-2026-00001.pdf"])
    amsterdam = pdf_text(attachments["AMM-2026-00001.pdf"])

    assert "Factuur UTS-2026-00001" in utrecht and "Utrecht Samen" in utrecht
    assert "Boodschappentas" in utrecht and "Verzendkosten" in utrecht
    assert "geleverd door Naaiatelier Fatima" in utrecht
    for amount in ("€ 121,00", "€ 6,95", "€ 127,95", "€ 22,21", "€ 105,74"):
        assert amount in utrecht, amount
    assert "21%" in utrecht and "Karin de Koper" in utrecht
    assert "Factuur AMM-2026-00001" in amsterdam and "9%" in amsterdam
    for amount in ("€ 79,00", "€ 6,52", "€ 72,48"):
        assert amount in amsterdam, amount


def test_a_declined_line_sends_the_credit_note(app, client, shop):
    reference = paid_order_from_two_cooperatives(app, client, shop)
    delivered(app)
    with app.test_request_context():
        fatima = db.session.get(Member, shop.member_a)
        line_id = load_order(reference).lines[0].id
        handle_line(fatima, line_id, "decline", Actor(fatima.user_id, "member"), "De stof is op")

    news = delivered(app)["karin@voorbeeld.nl"][-1]

    body = news.get_body(("plain",)).get_content()
    assert "De stof is op" in body
    note = pdf_text(pdfs(news)["UTS-2026-00002.pdf"])
    assert "Creditnota UTS-2026-00002" in note and "Correctie op factuur UTS-2026-00001" in note
    assert "€ -127,95" in note


def test_queue_email_takes_attachments_as_bytes_too(app):
    with app.test_request_context():
        queue_email(
            "jan@voorbeeld.nl",
            "Bijlage",
            "orders/mail/late_payment_refunded.txt",
            attachments=[("notitie.txt", "text/plain", b"Hallo")],
            order=type("O", (), {"name": "Jan", "reference": "B-1"})(),
            amount_cents=100,
        )
        db.session.commit()

    [message] = delivered(app)["jan@voorbeeld.nl"]
    [part] = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content()) == ("notitie.txt", "Hallo")


def test_a_payer_reading_english_gets_the_confirmation_in_english(app, client, shop):
    """The text is written at delivery, in the language the payer used when paying."""
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"))
    with app.app_context():
        session_id = checkout_of(reference).id
    with client.session_transaction() as session:
        session["locale"] = "en"

    paid = client.post(f"/betaalsimulator/{session_id}/betalen", data={"method": "ideal"})

    assert paid.status_code == 302
    [confirmation] = delivered(app)["karin@voorbeeld.nl"]
    body = confirmation.get_body(("plain",)).get_content()
    assert "Thank you for your order. We have received your payment." in body
    assert "Bedankt" not in body
