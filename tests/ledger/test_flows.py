"""Sale and refund entries: every leg booked per member, to the cent, on the worked cases."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopshop.extensions import db
from coopshop.ledger import accounts
from coopshop.ledger.balances import account_balance
from coopshop.ledger.flows import SaleLine, post_refund, post_sale, refund_lines, sale_lines
from coopshop.ledger.models import Leg
from coopshop.money import (
    InvalidRefund,
    InvoiceLineInput,
    LineSplit,
    RefundExceedsLine,
    RefundSplit,
    VatRate,
    split_invoice,
)
from tests.core.cases import INVOICE_CASES, REFUND_CASES, Case, case_id, split_from
from tests.factories import gen_cooperative, gen_member

JAN = date(2026, 1, 15)


def postings_of(entry):  # type: ignore[no-untyped-def]
    """The entry's postings as (code, cents, member_id, leg), in booking order."""
    return [(p.account.code, p.amount_cents, p.member_id, p.leg) for p in entry.postings]


@pytest.mark.parametrize("case", INVOICE_CASES, ids=case_id)
def test_a_sale_credits_vat_levy_and_member_per_member_to_the_cent(app, case: Case):
    with app.app_context():
        cooperative = gen_cooperative()
        members = [gen_member(cooperative).id for _ in case["lines"]]
        lines = [
            SaleLine(m, line["gross_cents"], line["vat_rate"])
            for m, line in zip(members, case["lines"], strict=True)
        ]
        entry = post_sale(
            cooperative_id=cooperative.id,
            invoice_reference="F2026-0001",
            booking_date=JAN,
            levy_bp=case["levy_bp"],
            lines=lines,
            invoice_id=5,
            order_id=6,
        )
        db.session.commit()
        vat, fund = accounts.vat_payable(cooperative.id), accounts.support_fund(cooperative.id)
        expected = [
            (accounts.PSP_CLEARING, sum(e["gross"] for e in case["expected"]), None, "gross")
        ]
        for member_id, legs in zip(members, case["expected"], strict=True):
            for code, cents, leg in (
                (vat, legs["vat"], "vat"),
                (fund, legs["levy"], "levy"),
                (accounts.member_payable(member_id), legs["member"], "member"),
            ):
                if cents:
                    expected.append((code, -cents, member_id, leg))
        assert postings_of(entry) == expected
        assert (entry.reference, entry.kind, entry.invoice_id, entry.order_id) == (
            "sale:F2026-0001",
            "sale",
            5,
            6,
        )


def test_the_one_line_invoice_books_the_documented_legs(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        post_sale(
            cooperative_id=cooperative.id,
            invoice_reference="F1",
            booking_date=JAN,
            levy_bp=1500,
            lines=[SaleLine(member.id, 12100, 21)],
        )
        db.session.commit()
        balances = [
            account_balance(code)
            for code in (
                accounts.PSP_CLEARING,
                accounts.vat_payable(cooperative.id),
                accounts.support_fund(cooperative.id),
                accounts.member_payable(member.id),
            )
        ]
        assert balances == [12100, -2100, -1500, -8500]


def test_a_members_lines_on_one_invoice_make_one_leg_of_each_kind(app):
    with app.app_context():
        cooperative = gen_cooperative()
        alice, bob = gen_member(cooperative).id, gen_member(cooperative).id
        lines = [SaleLine(alice, 1000, 21), SaleLine(bob, 1000, 21), SaleLine(alice, 1000, 21)]
        entry = post_sale(
            cooperative_id=cooperative.id,
            invoice_reference="F1",
            booking_date=JAN,
            levy_bp=1000,
            lines=lines,
        )
        # The "three lines share 21 % VAT" case: alice has lines 1 and 3, bob line 2.
        vat, fund = accounts.vat_payable(cooperative.id), accounts.support_fund(cooperative.id)
        assert postings_of(entry) == [
            (accounts.PSP_CLEARING, 3000, None, "gross"),
            (vat, -(174 + 173), alice, "vat"),
            (fund, -(83 + 83), alice, "levy"),
            (accounts.member_payable(alice), -(743 + 744), alice, "member"),
            (vat, -174, bob, "vat"),
            (fund, -83, bob, "levy"),
            (accounts.member_payable(bob), -743, bob, "member"),
        ]


@pytest.mark.parametrize("case", REFUND_CASES, ids=case_id)
def test_a_refund_reverses_every_leg_pro_rata(app, case: Case):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        entry = post_refund(
            cooperative_id=cooperative.id,
            reference="refund:CN-1",
            booking_date=JAN,
            original_lines=[split_from(case["original"])],
            member_ids=[member.id],
            refund_gross_per_line=[case["refund_gross_cents"]],
        )
        legs = case["expected"]
        expected = [(accounts.PSP_CLEARING, -case["refund_gross_cents"], None, "gross")]
        for code, leg in (
            (accounts.vat_payable(cooperative.id), "vat"),
            (accounts.support_fund(cooperative.id), "levy"),
            (accounts.member_payable(member.id), "member"),
        ):
            if legs[leg]:
                expected.append((code, legs[leg], member.id, leg))
        assert postings_of(entry) == expected
        assert (entry.kind, entry.reference) == ("refund", "refund:CN-1")


def test_the_partial_refund_books_the_documented_legs(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        original = LineSplit(gross=12100, vat=2100, ex_vat=10000, levy=1500, member=8500)
        entry = post_refund(
            cooperative_id=cooperative.id,
            reference="R1",
            booking_date=JAN,
            original_lines=[original],
            member_ids=[member.id],
            refund_gross_per_line=[5000],
        )
        assert [p.amount_cents for p in entry.postings] == [-5000, 868, 620, 3512]


def test_refunds_in_steps_that_add_up_to_the_gross_clear_every_account(app):
    with app.app_context():
        cooperative = gen_cooperative()
        alice, bob = gen_member(cooperative).id, gen_member(cooperative).id
        sale_lines_ = [SaleLine(alice, 12100, 21), SaleLine(bob, 999, 9)]
        post_sale(
            cooperative_id=cooperative.id,
            invoice_reference="F1",
            booking_date=JAN,
            levy_bp=1500,
            lines=sale_lines_,
        )
        splits = split_invoice(
            [InvoiceLineInput(12100, VatRate.STANDARD), InvoiceLineInput(999, VatRate.REDUCED)],
            1500,
        )
        first = post_refund(
            cooperative_id=cooperative.id,
            reference="R1",
            booking_date=JAN,
            original_lines=splits,
            member_ids=[alice, bob],
            refund_gross_per_line=[5000, 0],
        )
        already = [RefundSplit(868, 620, 3512), RefundSplit(0, 0, 0)]
        post_refund(
            cooperative_id=cooperative.id,
            reference="R2",
            booking_date=JAN,
            original_lines=splits,
            member_ids=[alice, bob],
            refund_gross_per_line=[7100, 999],
            already_refunded_per_line=already,
        )
        assert [p.member_id for p in first.postings] == [None, alice, alice, alice]
        codes = [
            accounts.PSP_CLEARING,
            accounts.vat_payable(cooperative.id),
            accounts.support_fund(cooperative.id),
            accounts.member_payable(alice),
            accounts.member_payable(bob),
        ]
        assert [account_balance(code) for code in codes] == [0, 0, 0, 0, 0]


def test_a_refund_larger_than_the_line_or_with_mismatched_lines_is_refused(app):
    with app.app_context():
        original = LineSplit(gross=999, vat=82, ex_vat=917, levy=138, member=779)
        with pytest.raises(RefundExceedsLine):
            refund_lines(1, [original], [1], [1000])
        with pytest.raises(InvalidRefund):
            refund_lines(1, [original], [1], [-1])
        with pytest.raises(ValueError):
            refund_lines(1, [original], [1, 2], [10])


sale_line = st.builds(
    SaleLine,
    member_id=st.integers(min_value=1, max_value=3),
    gross_cents=st.integers(min_value=1, max_value=10**6),
    vat_rate=st.sampled_from(list(VatRate)),
)


@given(lines=st.lists(sale_line, min_size=1, max_size=5), levy_bp=st.integers(0, 5000))
def test_every_sale_balances_and_its_member_levy_and_vat_legs_make_the_gross(lines, levy_bp):
    postings = sale_lines(7, levy_bp, lines)
    gross = sum(line.gross_cents for line in lines)
    assert sum(line.amount_cents for line in postings) == 0
    assert postings[0] == (accounts.PSP_CLEARING, gross, None, Leg.GROSS)
    credits = postings[1:]
    assert all(line.amount_cents < 0 and line.member_id is not None for line in credits)
    assert -sum(line.amount_cents for line in credits) == gross
    splits = split_invoice([InvoiceLineInput(x.gross_cents, x.vat_rate) for x in lines], levy_bp)
    for leg in (Leg.VAT, Leg.LEVY, Leg.MEMBER):
        booked = -sum(line.amount_cents for line in credits if line.leg == leg)
        assert booked == sum(getattr(split, leg) for split in splits)
    for member_id in {line.member_id for line in lines}:
        legs = [line.leg for line in credits if line.member_id == member_id]
        assert legs and len(legs) == len(set(legs))


@st.composite
def refunds(draw: st.DrawFn) -> tuple[LineSplit, int, int]:
    """A line, a first refund of part of it, and a second refund of (part of) the rest."""
    line = InvoiceLineInput(draw(st.integers(2, 10**6)), draw(st.sampled_from(list(VatRate))))
    split = split_invoice([line], draw(st.integers(0, 5000)))[0]
    first = draw(st.integers(1, split.gross - 1))
    return split, first, draw(st.integers(1, split.gross - first))


@given(refunds())
def test_every_refund_balances_and_never_takes_back_more_than_a_leg_holds(case):
    split, first, second = case
    step_one = refund_lines(7, [split], [3], [first])
    taken = RefundSplit(
        *(
            next((p.amount_cents for p in step_one if p.leg == leg), 0)
            for leg in ("vat", "levy", "member")
        )
    )
    step_two = refund_lines(7, [split], [3], [second], [taken])
    for step, cents in ((step_one, first), (step_two, second)):
        assert sum(line.amount_cents for line in step) == 0
        assert step[0].amount_cents == -cents
        assert all(line.amount_cents > 0 for line in step[1:])
    by_leg = {
        leg: sum(p.amount_cents for p in step_one + step_two if p.leg == leg)
        for leg in ("vat", "levy", "member")
    }
    assert (
        by_leg["vat"] <= split.vat
        and by_leg["levy"] <= split.levy
        and by_leg["member"] <= split.member
    )
