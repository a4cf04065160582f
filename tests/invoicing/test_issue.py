"""Issuing an invoice: the worked cases to the cent, VAT per rate, snapshots, refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from coopshop.cooperatives.models import LevyRate
from coopshop.extensions import db
from coopshop.invoicing.errors import (
    EmptyInvoice,
    InvalidInvoiceLine,
    MemberNotInCooperative,
    NoLevyRate,
)
from coopshop.invoicing.models import Invoice, InvoiceSeries
from coopshop.invoicing.queries import vat_totals
from coopshop.money import VatRate, vat_from_gross
from tests.core.cases import INVOICE_CASES, case_id
from tests.factories import gen_cooperative, gen_member
from tests.invoicing.helpers import BUSINESS_BUYER, issue, legs, line


@pytest.mark.parametrize("case", INVOICE_CASES, ids=case_id)
def test_the_worked_cases_store_every_leg_to_the_cent(app, case):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=case["levy_bp"])
        members = [gen_member(cooperative) for _ in case["lines"]]
        inputs = [
            line(member, data["gross_cents"], data["vat_rate"])
            for member, data in zip(members, case["lines"], strict=True)
        ]

        invoice = issue(cooperative, inputs)

        assert [legs(stored) for stored in invoice.lines] == case["expected"]
        assert invoice.levy_bp == case["levy_bp"]
        assert invoice.gross_cents == sum(data["gross"] for data in case["expected"])
        assert invoice.vat_cents == sum(data["vat"] for data in case["expected"])
        assert invoice.ex_vat_cents == sum(data["ex_vat"] for data in case["expected"])


@pytest.mark.parametrize("case", INVOICE_CASES, ids=case_id)
def test_the_vat_per_rate_is_the_vat_of_each_rate_groups_gross(app, case):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=case["levy_bp"])
        member = gen_member(cooperative)
        inputs = [line(member, data["gross_cents"], data["vat_rate"]) for data in case["lines"]]

        totals = vat_totals(issue(cooperative, inputs))

        for group in totals:
            assert group.vat == vat_from_gross(group.gross, group.rate.percent)
            assert group.ex_vat == group.gross - group.vat
        expected_gross: dict[VatRate, int] = {}
        for data in case["lines"]:
            rate = VatRate.parse(data["vat_rate"])
            expected_gross[rate] = expected_gross.get(rate, 0) + data["gross_cents"]
        assert {group.rate: group.gross for group in totals} == expected_gross


def test_mixed_rates_give_one_vat_total_per_rate_in_a_fixed_order(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)
        member = gen_member(cooperative)
        inputs = [
            line(member, 2500, 9),
            line(member, 12100, 21),
            line(member, 999, 0),
            line(member, 1000, "exempt"),
        ]

        totals = vat_totals(issue(cooperative, inputs))

        assert [tuple(group) for group in totals] == [
            (VatRate.STANDARD, 10000, 2100, 12100),
            (VatRate.REDUCED, 2294, 206, 2500),
            (VatRate.ZERO, 999, 0, 999),
            (VatRate.EXEMPT, 1000, 0, 1000),
        ]


def test_a_lines_gross_is_quantity_times_the_unit_price(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1000)
        member = gen_member(cooperative)

        invoice = issue(cooperative, [line(member, 3000, 21, quantity=3)])

        (stored,) = invoice.lines
        assert (stored.quantity, stored.unit_gross_cents) == (3, 1000)
        # 3000 at 21 %: VAT 520.66 -> 521; ex VAT 2479; levy 10 % 247.9 -> 248.
        assert legs(stored) == {
            "gross": 3000,
            "vat": 521,
            "ex_vat": 2479,
            "levy": 248,
            "member": 2231,
        }


def test_the_invoice_keeps_the_seller_and_buyer_as_they_were_at_issue(app):
    with app.app_context():
        cooperative = gen_cooperative(name="Utrecht Samen", kvk_number="87654321")
        member = gen_member(cooperative, trade_name="Fatima's Naaiatelier")
        invoice = issue(cooperative, [line(member, 12100, description="Gordijnen op maat")])

        cooperative.name = "Utrecht Samen U.A."
        db.session.commit()

        assert invoice.seller_name == "Utrecht Samen"
        assert invoice.seller_kvk_number == "87654321"
        assert invoice.seller_vat_id == cooperative.vat_id
        assert invoice.seller_iban == cooperative.iban
        assert invoice.buyer_company_name == BUSINESS_BUYER.company_name
        assert invoice.buyer_vat_id == BUSINESS_BUYER.vat_id
        assert invoice.buyer_purchase_order_reference == "PO-2026-117"
        assert invoice.lines[0].provider_name == "Fatima's Naaiatelier"
        assert invoice.lines[0].description == "Gordijnen op maat"
        assert (invoice.issue_date, invoice.delivery_date) == (date(2026, 3, 10), date(2026, 3, 6))


def test_the_levy_in_force_on_the_issue_date_applies(app):
    with app.app_context():
        cooperative = gen_cooperative(levy_bp=1500)
        member = gen_member(cooperative)
        cooperative.levy_rates.append(LevyRate(levy_bp=2000, effective_from=date(2026, 4, 1)))
        db.session.commit()

        march = issue(cooperative, [line(member, 12100)])
        april = issue(cooperative, [line(member, 12100)], issue_date=date(2026, 4, 1))

        assert (march.levy_bp, march.lines[0].levy_cents) == (1500, 1500)
        assert (april.levy_bp, april.lines[0].levy_cents) == (2000, 2000)


def stored_counts() -> tuple[int, int]:
    invoices = db.session.scalar(select(func.count()).select_from(Invoice))
    series = db.session.scalar(select(func.coalesce(func.sum(InvoiceSeries.last_number), 0)))
    return invoices, series


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"quantity": 0}, InvalidInvoiceLine),
        ({"unit_gross_cents": -1}, InvalidInvoiceLine),
        ({"unit_gross_cents": 12.5}, InvalidInvoiceLine),
        ({"vat_rate": 19}, InvalidInvoiceLine),
        ({"description": "  "}, InvalidInvoiceLine),
    ],
)
def test_a_line_that_cannot_be_invoiced_is_refused_and_nothing_is_stored(app, changes, error):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)

        with pytest.raises(error):
            issue(cooperative, [line(member, 12100, **changes)])
        db.session.rollback()

        assert stored_counts() == (0, 0)


def test_an_invoice_without_lines_is_refused(app):
    with app.app_context(), pytest.raises(EmptyInvoice):
        issue(gen_cooperative(), [])


def test_a_member_of_another_cooperative_cannot_be_invoiced(app):
    with app.app_context():
        cooperative, other = gen_cooperative(), gen_cooperative()
        outsider = gen_member(other)

        with pytest.raises(MemberNotInCooperative):
            issue(cooperative, [line(gen_member(cooperative), 1000), line(outsider, 1000)])
        db.session.rollback()

        assert stored_counts() == (0, 0)


def test_an_invoice_dated_before_any_levy_is_refused(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)

        with pytest.raises(NoLevyRate):
            issue(cooperative, [line(member, 1000)], issue_date=date(2025, 12, 31))
