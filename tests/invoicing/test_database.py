"""What the database itself guarantees: issued documents never change, legs always add up."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from coopshop.extensions import db
from coopshop.invoicing.models import Invoice, InvoiceLine
from tests.factories import gen_cooperative, gen_member
from tests.invoicing.helpers import credit, issue, line


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoice SET buyer_name = 'Iemand anders'",
        "UPDATE invoice SET gross_cents = gross_cents + 1, ex_vat_cents = ex_vat_cents + 1",
        "DELETE FROM invoice",
        "UPDATE invoice_line SET description = 'Iets anders'",
        "DELETE FROM invoice_line",
    ],
)
def test_the_database_refuses_to_change_or_delete_issued_documents(app, statement):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])
        credit(invoice, [(invoice.lines[0], 5000)])

        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()

        assert db.session.scalars(select(Invoice.gross_cents).order_by(Invoice.id)).all() == [
            12100,
            -5000,
        ]
        assert len(db.session.scalars(select(InvoiceLine.id)).all()) == 2


def test_the_orm_cannot_change_an_issued_invoice_either(app):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 12100)])

        invoice.buyer_name = "Iemand anders"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize(
    ("legs", "constraint"),
    [
        (
            {
                "gross_cents": 1000,
                "vat_cents": 174,
                "ex_vat_cents": 826,
                "levy_cents": 83,
                "member_cents": 744,
            },
            "ck_invoice_line_member_adds_up",
        ),
        (
            {
                "gross_cents": 1000,
                "vat_cents": 174,
                "ex_vat_cents": 827,
                "levy_cents": 83,
                "member_cents": 744,
            },
            "ck_invoice_line_ex_vat_adds_up",
        ),
        (
            {
                "gross_cents": 999,
                "vat_cents": 174,
                "ex_vat_cents": 825,
                "levy_cents": 83,
                "member_cents": 742,
            },
            "ck_invoice_line_gross_is_quantity_times_unit",
        ),
        (
            {
                "gross_cents": 1000,
                "vat_cents": -1,
                "ex_vat_cents": 1001,
                "levy_cents": 100,
                "member_cents": 901,
            },
            "ck_invoice_line_legs_sign",
        ),
    ],
)
def test_a_line_whose_legs_do_not_add_up_violates_a_check_constraint(app, legs, constraint):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        invoice = issue(cooperative, [line(member, 1000)])
        values = {
            "invoice_id": invoice.id,
            "position": 2,
            "member_id": member.id,
            "provider_name": member.trade_name,
            "description": "Handmatig",
            "quantity": 1,
            "unit_gross_cents": 1000,
            "vat_rate": "21",
            **legs,
        }
        columns = ", ".join(values)
        placeholders = ", ".join(f":{column}" for column in values)

        with pytest.raises(IntegrityError, match=constraint):
            db.session.execute(
                text(f"INSERT INTO invoice_line ({columns}) VALUES ({placeholders})"), values
            )
        db.session.rollback()


def test_two_documents_cannot_share_a_number(app):
    with app.app_context():
        cooperative = gen_cooperative()
        invoice = issue(cooperative, [line(gen_member(cooperative), 1000)])
        copy = {
            column.name: getattr(invoice, column.key)
            for column in Invoice.__table__.columns
            if column.name not in ("id", "sequence")
        }

        with pytest.raises(IntegrityError, match=r"uq_invoice_number|invoice\.number"):
            db.session.execute(Invoice.__table__.insert().values(**copy, sequence=99))
        db.session.rollback()
