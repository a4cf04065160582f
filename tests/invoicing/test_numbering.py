"""Numbers: gapless and sequential per cooperative and year, even under concurrent issuing."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.invoicing.numbering import format_number
from tests.conftest import BACKEND
from tests.factories import gen_cooperative, gen_member
from tests.invoicing.helpers import credit, issue, line
from tests.ledger.test_database import wait_for_a_blocked_transaction


def numbers_of(cooperative_id: int) -> list[str]:
    query = select(Invoice.number).where(Invoice.cooperative_id == cooperative_id)
    return list(db.session.scalars(query.order_by(Invoice.id)))


def test_a_number_is_prefix_year_and_five_digits():
    assert format_number("UTS", 2026, 7) == "UTS-2026-00007"
    assert format_number("UTS", 2026, 123456) == "UTS-2026-123456"


def test_numbers_are_sequential_per_cooperative_and_credit_notes_share_the_series(app):
    with app.app_context():
        cooperative = gen_cooperative(invoice_prefix="UTS")
        member = gen_member(cooperative)

        first = issue(cooperative, [line(member, 1000)])
        second = issue(cooperative, [line(member, 2000)])
        credit_note = credit(first, [(first.lines[0], 500)])
        third = issue(cooperative, [line(member, 3000)])

        assert [first.number, second.number, credit_note.number, third.number] == [
            "UTS-2026-00001",
            "UTS-2026-00002",
            "UTS-2026-00003",
            "UTS-2026-00004",
        ]
        assert [doc.sequence for doc in (first, second, credit_note, third)] == [1, 2, 3, 4]


def test_every_cooperative_has_its_own_series(app):
    with app.app_context():
        utrecht = gen_cooperative(invoice_prefix="UTS")
        amsterdam = gen_cooperative(invoice_prefix="AMM")
        in_utrecht, in_amsterdam = gen_member(utrecht), gen_member(amsterdam)

        for _ in range(2):
            issue(utrecht, [line(in_utrecht, 1000)])
            issue(amsterdam, [line(in_amsterdam, 1000)])
        issue(utrecht, [line(in_utrecht, 1000)])

        assert numbers_of(utrecht.id) == ["UTS-2026-00001", "UTS-2026-00002", "UTS-2026-00003"]
        assert numbers_of(amsterdam.id) == ["AMM-2026-00001", "AMM-2026-00002"]


def test_a_new_year_starts_a_new_series(app):
    with app.app_context():
        cooperative = gen_cooperative(invoice_prefix="UTS")
        member = gen_member(cooperative)

        issue(cooperative, [line(member, 1000)], issue_date=date(2026, 12, 31))
        new_year = issue(cooperative, [line(member, 1000)], issue_date=date(2027, 1, 1))
        issue(cooperative, [line(member, 1000)], issue_date=date(2026, 12, 31))

        assert new_year.number == "UTS-2027-00001"
        assert numbers_of(cooperative.id) == ["UTS-2026-00001", "UTS-2027-00001", "UTS-2026-00002"]


def test_a_rolled_back_issue_consumes_no_number(app):
    with app.app_context():
        cooperative = gen_cooperative(invoice_prefix="UTS")
        member = gen_member(cooperative)
        issue(cooperative, [line(member, 1000)])

        abandoned = issue(cooperative, [line(member, 2000)], commit=False)
        assert abandoned.number == "UTS-2026-00002"
        db.session.rollback()
        again = issue(cooperative, [line(member, 3000)])

        assert again.number == "UTS-2026-00002"
        assert numbers_of(cooperative.id) == ["UTS-2026-00001", "UTS-2026-00002"]


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite has one writer; the race needs PostgreSQL"
)
def test_twenty_concurrent_issuers_get_numbers_one_to_twenty_without_gaps(app):
    with app.app_context():
        cooperative = gen_cooperative(invoice_prefix="UTS")
        cooperative_id, member = cooperative.id, gen_member(cooperative)
        line_input = line(member, 12100)
    start = threading.Barrier(20)
    failures: list[BaseException] = []

    def issue_one() -> None:
        try:
            with app.app_context():
                start.wait()
                issue(db.session.get_one(Cooperative, cooperative_id), [line_input])
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=issue_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with app.app_context():
        query = select(Invoice.sequence).where(Invoice.cooperative_id == cooperative_id)
        assert sorted(db.session.scalars(query)) == list(range(1, 21))
        assert set(numbers_of(cooperative_id)) == {f"UTS-2026-{n:05d}" for n in range(1, 21)}


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite has one writer; the race needs PostgreSQL"
)
def test_a_number_held_by_a_transaction_that_rolls_back_goes_to_the_next_issuer(app):
    """The second issuer waits for the first; the first rolls back; the second gets 00001."""
    with app.app_context():
        cooperative = gen_cooperative(invoice_prefix="UTS")
        cooperative_id, member = cooperative.id, gen_member(cooperative)
        line_input = line(member, 12100)
    holding = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        with app.app_context():
            invoice = issue(db.session.get_one(Cooperative, cooperative_id), [line_input], False)
            results["first"] = invoice.number
            holding.set()
            wait_for_a_blocked_transaction()
            db.session.rollback()

    def second() -> None:
        with app.app_context():
            invoice = issue(db.session.get_one(Cooperative, cooperative_id), [line_input])
            results["second"] = invoice.number

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert holding.wait(10)
    threads[1].start()
    for thread in threads:
        thread.join()

    assert results == {"first": "UTS-2026-00001", "second": "UTS-2026-00001"}
