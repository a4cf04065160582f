"""Members' income totals: kept by the posting service, always equal to the postings' sum."""

from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopshop.extensions import db
from coopshop.ledger import accounts
from coopshop.ledger.accounts import member_payable
from coopshop.ledger.flows import SaleLine, post_sale
from coopshop.ledger.income import (
    incomes_from_postings,
    member_incomes,
    stored_incomes,
)
from coopshop.ledger.models import Leg
from coopshop.ledger.services import (
    Line,
    NewEntry,
    PeriodClosed,
    lock_period,
    post_entries,
    reverse_entry,
)
from tests.factories import gen_cooperative, gen_member, gen_sale

MONTHS = ("2026-01", "2026-02", "2026-03")

sale = st.tuples(
    st.just("sale"),
    st.sampled_from(MONTHS),
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 500_000), st.sampled_from([21, 9, 0])),
        min_size=1,
        max_size=4,
    ),
)
reversal = st.tuples(st.just("reversal"), st.sampled_from(MONTHS), st.integers(0, 50))
refund = st.tuples(st.just("refund"), st.sampled_from(MONTHS), st.integers(0, 2))
retry = st.tuples(st.just("retry"), st.sampled_from(MONTHS), st.integers(0, 50))


def test_a_sale_adds_the_member_legs_to_the_totals_of_its_period(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        gen_sale(cooperative, member)  # 121.00 at 21 %, levy 15 %: 85.00 for the member
        gen_sale(cooperative, member, booking_date=date(2026, 1, 31), gross_cents=1090, vat_rate=9)
        gen_sale(cooperative, member, booking_date=date(2026, 2, 1))
        assert member_incomes(cooperative.id, ["2026-01"]) == {(member.id, "2026-01"): 8500 + 850}
        assert stored_incomes() == {
            (cooperative.id, "2026-01", member.id): 9350,
            (cooperative.id, "2026-02", member.id): 8500,
        }


def test_a_repeated_booking_adds_nothing(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        first = gen_sale(cooperative, member, invoice_reference="F-1")
        again = gen_sale(cooperative, member, invoice_reference="F-1")
        assert again.id == first.id
        assert member_incomes(cooperative.id, ["2026-01"]) == {(member.id, "2026-01"): 8500}


def test_a_refused_booking_adds_nothing(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        gen_sale(cooperative, member)
        lock_period(cooperative.id, "2026-01", None)
        db.session.commit()
        with pytest.raises(PeriodClosed):
            gen_sale(cooperative, member, invoice_reference="F-LATE")
        db.session.rollback()
        assert member_incomes(cooperative.id, ["2026-01"]) == {(member.id, "2026-01"): 8500}


def test_entries_of_no_cooperative_and_other_legs_are_not_income(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        post_entries(
            [
                NewEntry(
                    "adjustment",
                    "platform-fee",
                    date(2026, 1, 5),
                    [Line(accounts.BANK, 300), Line(member_payable(member.id), -300, member.id)],
                ),
                NewEntry(
                    "fee",
                    "tagged-fee",
                    date(2026, 1, 5),
                    [
                        Line(accounts.BANK, 200),
                        Line(member_payable(member.id), -200, member.id, Leg.FEE.value),
                    ],
                    cooperative_id=cooperative.id,
                ),
            ]
        )
        db.session.commit()
        assert stored_incomes() == {}
        assert incomes_from_postings() == {}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.one_of(sale, reversal, refund, retry), min_size=1, max_size=12))
def test_the_totals_always_equal_the_sum_of_the_member_legs(app, steps):
    """Sales, reversals, refunds and retried bookings in any order, several in one call of
    post_entries: the stored totals are the postings' GROUP BY, member by member and month."""
    with app.app_context():
        cooperative = gen_cooperative()
        members = [gen_member(cooperative) for _ in range(3)]
        booked: list = []
        batch: list[NewEntry] = []
        for n, (kind, month, detail) in enumerate(steps):
            day = date.fromisoformat(f"{month}-10")
            if kind == "sale":
                lines = [SaleLine(members[m].id, gross, vat) for m, gross, vat in detail]
                booked.append(
                    post_sale(
                        cooperative_id=cooperative.id,
                        invoice_reference=f"P-{cooperative.id}-{n}",
                        booking_date=day,
                        levy_bp=1500,
                        lines=lines,
                    )
                )
            elif kind == "reversal" and booked:
                entry = booked[detail % len(booked)]
                if entry.reverses_id is None and not any(e.reverses_id == entry.id for e in booked):
                    booked.append(
                        reverse_entry(entry, reference=f"R-{cooperative.id}-{n}", booking_date=day)
                    )
            elif kind == "refund":
                # A refund of 10.00 to the client, taken from one member's pot, and a second
                # entry for the same member and month in the same call.
                member = members[detail]
                for part in (1, 2):
                    batch.append(
                        NewEntry(
                            "refund",
                            f"T-{cooperative.id}-{n}-{part}",
                            day,
                            [
                                Line(member_payable(member.id), 1000, member.id, Leg.MEMBER.value),
                                Line(accounts.PSP_CLEARING, -1000),
                            ],
                            cooperative_id=cooperative.id,
                        )
                    )
            elif kind == "retry" and batch:
                batch.append(batch[detail % len(batch)])  # the same reference again
            if len(batch) >= 3:
                post_entries(batch)
                batch = []
        post_entries(batch)
        db.session.commit()
        assert stored_incomes() == incomes_from_postings()
        summed = incomes_from_postings()
        assert member_incomes(cooperative.id, MONTHS) == {
            (member, period): cents
            for (coop, period, member), cents in summed.items()
            if coop == cooperative.id
        }


def test_the_migration_fills_the_totals_from_the_postings_booked_before(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member, other = gen_member(cooperative), gen_member(cooperative)
        gen_sale(cooperative, member)
        gen_sale(cooperative, other, booking_date=date(2026, 2, 3))
        reverse_entry(gen_sale(cooperative, member), reference="R-1", booking_date=date(2026, 2, 4))
        db.session.commit()
        ids = cooperative.id, member.id, other.id
        expected = stored_incomes()
        db.session.close()
        downgrade(revision="0009")  # drops the totals, as before this revision
        upgrade()
        coop, first, second = ids
        assert (
            stored_incomes()
            == expected
            == {
                (coop, "2026-01", first): 8500 * 2,
                (coop, "2026-02", second): 8500,
                (coop, "2026-02", first): -8500,
            }
        )
