"""The posting service: balanced, non-zero, idempotent entries in open periods, and reversals."""

from datetime import date

import pytest
from sqlalchemy import func, select

from coopshop.extensions import db
from coopshop.ledger import accounts
from coopshop.ledger.accounts import UnknownAccount, get_account
from coopshop.ledger.balances import account_balance
from coopshop.ledger.models import JournalEntry, LedgerAccount, Posting
from coopshop.ledger.services import (
    AlreadyReversed,
    Line,
    NewEntry,
    PeriodClosed,
    ReferenceConflict,
    TooFewPostings,
    UnbalancedEntry,
    ZeroPosting,
    following_period,
    is_period_locked,
    lock_period,
    next_open_period,
    post_entries,
    post_entry,
    reverse_entry,
)
from tests.factories import gen_cooperative, gen_member, gen_municipality, gen_sale

JAN = date(2026, 1, 15)


def transfer(reference: str, cents: int = 500, **kwargs):  # type: ignore[no-untyped-def]
    """A two-leg entry from the clearing account to the bank."""
    return post_entry(
        kind="adjustment",
        reference=reference,
        booking_date=kwargs.pop("booking_date", JAN),
        lines=[(accounts.BANK, cents), (accounts.PSP_CLEARING, -cents)],
        **kwargs,
    )


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_balanced_entry_is_booked_with_its_period_and_postings(app):
    with app.app_context():
        cooperative = gen_cooperative()
        entry = transfer("T-1", 1234, cooperative_id=cooperative.id, invoice_id=7)
        db.session.commit()
        assert (entry.kind, entry.period, entry.cooperative_id) == (
            "adjustment",
            "2026-01",
            cooperative.id,
        )
        assert entry.invoice_id == 7
        assert [(p.account.code, p.amount_cents) for p in entry.postings] == [
            ("platform:bank", 1234),
            ("platform:psp_clearing", -1234),
        ]
        assert account_balance(accounts.BANK) == 1234


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([(accounts.BANK, 500), (accounts.PSP_CLEARING, -499)], UnbalancedEntry),
        (
            [(accounts.BANK, 500), (accounts.PSP_CLEARING, -500), (accounts.PSP_FEES, 0)],
            ZeroPosting,
        ),
        ([(accounts.BANK, 0), (accounts.PSP_CLEARING, 0)], ZeroPosting),
        ([(accounts.BANK, 500)], TooFewPostings),
        ([], TooFewPostings),
    ],
    ids=["unbalanced", "zero-leg", "all-zero", "one-leg", "empty"],
)
def test_malformed_entries_are_refused_and_nothing_is_booked(app, lines, error):
    with app.app_context():
        with pytest.raises(error):
            post_entry(kind="adjustment", reference="BAD", booking_date=JAN, lines=lines)
        assert count(JournalEntry) == count(Posting) == 0


def test_amounts_must_be_int_cents_and_legs_known(app):
    with app.app_context():
        with pytest.raises(TypeError, match="int cents"):
            post_entry(
                kind="x",
                reference="R",
                booking_date=JAN,
                lines=[("platform:bank", 1.5), ("platform:psp_clearing", -1.5)],
            )
        with pytest.raises(ValueError, match="levvy"):
            post_entry(
                kind="x",
                reference="R",
                booking_date=JAN,
                lines=[Line(accounts.BANK, 1, None, "levvy"), Line(accounts.PSP_CLEARING, -1)],
            )
        with pytest.raises(TypeError, match="unknown links"):
            transfer("R", bogus_id=1)


def test_a_repeated_reference_returns_the_existing_entry_and_posts_nothing_twice(app):
    with app.app_context():
        cooperative = gen_cooperative()
        first = transfer("PAY-1", cooperative_id=cooperative.id)
        db.session.commit()
        lock_period(cooperative.id, "2026-01", None)
        db.session.commit()
        # A retried webhook after the period closed still gets its entry back.
        again = transfer("PAY-1", cooperative_id=cooperative.id)
        assert again.id == first.id
        assert (count(JournalEntry), count(Posting)) == (1, 2)
        assert account_balance(accounts.BANK) == 500


@pytest.mark.parametrize(
    "change",
    [{"cents": 501}, {"booking_date": date(2026, 1, 16)}, {"kind": "payout"}],
    ids=["amount", "date", "kind"],
)
def test_a_reference_repeated_with_other_content_raises_reference_conflict(app, change):
    with app.app_context():
        transfer("PAY-1")
        db.session.commit()
        values = {"cents": 500, "booking_date": JAN, **change}
        with pytest.raises(ReferenceConflict, match="PAY-1"):
            post_entry(
                kind=values.get("kind", "adjustment"),
                reference="PAY-1",
                booking_date=values["booking_date"],
                lines=[(accounts.BANK, values["cents"]), (accounts.PSP_CLEARING, -values["cents"])],
            )


def test_a_reference_repeated_with_another_member_tag_conflicts(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member, other = gen_member(cooperative), gen_member(cooperative)
        lines = [
            Line(accounts.PSP_CLEARING, 100),
            Line(accounts.vat_payable(cooperative.id), -100, member.id, "vat"),
        ]
        post_entry(kind="sale", reference="S", booking_date=JAN, lines=lines)
        lines[1] = lines[1]._replace(member_id=other.id)
        with pytest.raises(ReferenceConflict):
            post_entry(kind="sale", reference="S", booking_date=JAN, lines=lines)


def test_a_closed_period_refuses_new_entries_of_that_cooperative_only(app):
    with app.app_context():
        closed, other = gen_cooperative(), gen_cooperative()
        lock = lock_period(closed.id, "2026-01", None)
        db.session.commit()
        assert lock.locked_at is not None and is_period_locked(closed.id, "2026-01")
        with pytest.raises(PeriodClosed, match="2026-01"):
            transfer("LATE", cooperative_id=closed.id)
        transfer("NEXT-MONTH", cooperative_id=closed.id, booking_date=date(2026, 2, 1))
        transfer("OTHER-COOP", cooperative_id=other.id)
        transfer("PLATFORM")  # platform entries belong to no cooperative's periods
        assert not is_period_locked(other.id, "2026-01")
        assert count(JournalEntry) == 3


def test_a_period_is_closed_once(app):
    with app.app_context():
        cooperative = gen_cooperative()
        lock_period(cooperative.id, "2026-01", None)
        with pytest.raises(PeriodClosed):
            lock_period(cooperative.id, "2026-01", None)
        with pytest.raises(ValueError, match="YYYY-MM"):
            lock_period(cooperative.id, "2026-13", None)


def test_next_open_period_skips_closed_months_across_the_year(app):
    with app.app_context():
        cooperative, other = gen_cooperative(), gen_cooperative()
        for period in ("2026-11", "2026-12", "2027-02"):
            lock_period(cooperative.id, period, None)
        assert next_open_period(cooperative.id, "2026-10") == "2026-10"
        assert next_open_period(cooperative.id, "2026-11") == "2027-01"
        assert next_open_period(cooperative.id, "2027-02") == "2027-03"
        assert next_open_period(other.id, "2026-11") == "2026-11"
        assert following_period("2026-12") == "2027-01"


def test_post_entry_only_flushes_so_the_caller_decides(app):
    with app.app_context():
        transfer("T-1")
        db.session.rollback()
        assert count(JournalEntry) == count(Posting) == 0


def test_a_reversal_is_the_exact_negation_of_the_entry(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative)
        sale = gen_sale(cooperative, member, invoice_id=41, order_id=42)
        reversal = reverse_entry(sale, reference="REV-1", booking_date=date(2026, 2, 3))
        db.session.commit()
        assert (reversal.kind, reversal.period, reversal.reverses_id) == (
            "reversal",
            "2026-02",
            sale.id,
        )
        assert (reversal.invoice_id, reversal.order_id, reversal.cooperative_id) == (
            41,
            42,
            cooperative.id,
        )
        original = [(p.account_id, p.amount_cents, p.member_id, p.leg) for p in sale.postings]
        negated = [(p.account_id, -p.amount_cents, p.member_id, p.leg) for p in reversal.postings]
        assert negated == original
        codes = [
            accounts.PSP_CLEARING,
            accounts.vat_payable(cooperative.id),
            accounts.member_payable(member.id),
        ]
        assert [account_balance(code) for code in codes] == [0, 0, 0]


def test_an_entry_is_reversed_at_most_once(app):
    with app.app_context():
        cooperative = gen_cooperative()
        sale = gen_sale(cooperative, gen_member(cooperative))
        first = reverse_entry(sale, reference="REV-1", booking_date=JAN)
        assert reverse_entry(sale, reference="REV-1", booking_date=JAN).id == first.id
        with pytest.raises(AlreadyReversed):
            reverse_entry(sale, reference="REV-2", booking_date=JAN)
        assert count(JournalEntry) == 2


def test_a_reversal_into_a_closed_period_is_refused_and_goes_to_the_next_open_one(app):
    with app.app_context():
        cooperative = gen_cooperative()
        sale = gen_sale(cooperative, gen_member(cooperative))
        lock_period(cooperative.id, "2026-01", None)
        with pytest.raises(PeriodClosed):
            reverse_entry(sale, reference="REV-1", booking_date=JAN)
        period = next_open_period(cooperative.id, "2026-01")
        reversal = reverse_entry(sale, reference="REV-1", booking_date=date(2026, 2, 1))
        assert reversal.period == period == "2026-02"


def test_accounts_are_created_once_with_their_owner_and_books(app):
    with app.app_context():
        cooperative = gen_cooperative()
        municipality = gen_municipality()
        member = gen_member(cooperative, municipality)
        payable = get_account(accounts.member_payable(member.id))
        assert get_account(accounts.member_payable(member.id)).id == payable.id
        assert (payable.owner_type, payable.owner_id, payable.kind) == (
            "member",
            member.id,
            "payable",
        )
        assert payable.cooperative_id == cooperative.id
        fund = get_account(accounts.support_fund(cooperative.id))
        assert (fund.owner_type, fund.cooperative_id, fund.kind) == (
            "cooperative",
            cooperative.id,
            "support_fund",
        )
        remit = get_account(accounts.municipality_payable(municipality.id))
        assert (remit.owner_type, remit.cooperative_id) == ("municipality", None)
        bank = get_account(accounts.BANK)
        assert (bank.owner_type, bank.owner_id, bank.created_at is not None) == (
            "platform",
            None,
            True,
        )
        assert count(LedgerAccount) == 4


@pytest.mark.parametrize(
    "code",
    [
        "platform:cash",
        "coop:1:payable",
        "member:01:payable",
        "member:x:payable",
        "coop:vat_payable",
        "bank",
        "member:999:payable",
    ],
)
def test_unknown_account_codes_and_missing_owners_are_refused(app, code):
    with app.app_context():
        gen_cooperative()
        with pytest.raises(UnknownAccount):
            get_account(code)
        assert count(LedgerAccount) == 0


def test_post_entries_books_several_entries_at_once_and_repeats_harmlessly(app):
    from coopshop.ledger.services import NewEntry, post_entries, prepare_booking

    with app.app_context():
        first, second = gen_cooperative(), gen_cooperative()
        lines = [(accounts.BANK, 700), (accounts.PSP_CLEARING, -700)]
        entries = [
            NewEntry("adjustment", "B-1", JAN, lines, first.id, links={"invoice_id": 3}),
            NewEntry("adjustment", "B-2", JAN, [(accounts.BANK, -250), (accounts.PSP_FEES, 250)]),
            NewEntry("adjustment", "B-3", JAN, lines, second.id),
        ]
        prepared = prepare_booking([accounts.BANK], [(first.id, "2026-01")])
        ids = post_entries(entries, prepared)
        db.session.commit()

        booked = [db.session.get(JournalEntry, entry_id) for entry_id in ids]
        assert [(e.reference, e.cooperative_id, e.period) for e in booked] == [
            ("B-1", first.id, "2026-01"),
            ("B-2", None, "2026-01"),
            ("B-3", second.id, "2026-01"),
        ]
        assert booked[0].invoice_id == 3
        assert [(p.account.code, p.amount_cents) for p in booked[1].postings] == [
            ("platform:bank", -250),
            ("platform:psp_fees", 250),
        ]
        assert account_balance(accounts.BANK) == 700 + 700 - 250

        # The same entries again: the same ids, nothing new.
        assert post_entries(entries) == ids
        db.session.commit()
        assert (count(JournalEntry), count(Posting)) == (3, 6)
        # The same reference with other postings is a conflict, and nothing of the call stays.
        changed = [entries[0], NewEntry("adjustment", "B-2", JAN, lines)]
        with pytest.raises(ReferenceConflict):
            post_entries(changed)
        db.session.rollback()
        assert (count(JournalEntry), count(Posting)) == (3, 6)


def test_post_entries_refuses_a_closed_period_but_still_recognises_a_repeat(app):
    from coopshop.ledger.services import NewEntry, post_entries, prepare_booking

    with app.app_context():
        cooperative = gen_cooperative()
        lines = [(accounts.BANK, 500), (accounts.PSP_CLEARING, -500)]
        booked = NewEntry("adjustment", "C-1", JAN, lines, cooperative.id)
        [entry_id] = post_entries([booked])
        lock_period(cooperative.id, "2026-01", None)
        db.session.commit()

        prepared = prepare_booking([accounts.BANK], [(cooperative.id, "2026-01")])
        assert prepared.open_periods == set()
        assert post_entries([booked], prepared) == [entry_id]
        with pytest.raises(PeriodClosed):
            post_entries([NewEntry("adjustment", "C-2", JAN, lines, cooperative.id)], prepared)
        db.session.rollback()
        assert count(JournalEntry) == 1


def test_the_same_reference_twice_in_one_call_is_booked_once(app):
    with app.app_context():
        cooperative = gen_cooperative()
        lines = [(accounts.BANK, 700), (accounts.PSP_CLEARING, -700)]
        entry = NewEntry("adjustment", "T-TWICE", JAN, lines, cooperative.id)
        first, second = post_entries([entry, entry])
        db.session.commit()
        assert first == second
        assert count(JournalEntry) == 1
        assert count(Posting) == 2


def test_the_same_reference_with_other_postings_in_one_call_conflicts(app):
    with app.app_context():
        cooperative = gen_cooperative()
        entry = NewEntry(
            "adjustment",
            "T-TWICE",
            JAN,
            [(accounts.BANK, 700), (accounts.PSP_CLEARING, -700)],
            cooperative.id,
        )
        other = NewEntry(
            "adjustment",
            "T-TWICE",
            JAN,
            [(accounts.BANK, 701), (accounts.PSP_CLEARING, -701)],
            cooperative.id,
        )
        with pytest.raises(ReferenceConflict):
            post_entries([entry, other])
        db.session.rollback()
        assert count(JournalEntry) == 0
