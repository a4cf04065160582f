"""What the database itself guarantees: append-only entries, no 0 postings, safe concurrency."""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from coopshop.extensions import db
from coopshop.ledger import accounts
from coopshop.ledger.accounts import get_account
from coopshop.ledger.balances import account_balance, member_pot
from coopshop.ledger.flows import SaleLine, post_sale
from coopshop.ledger.income import member_incomes
from coopshop.ledger.models import JournalEntry, LedgerAccount, Posting
from coopshop.ledger.services import ReferenceConflict, post_entry
from tests.conftest import BACKEND
from tests.factories import gen_cooperative, gen_member, gen_sale


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE posting SET amount_cents = amount_cents + 1",
        "DELETE FROM posting",
        "UPDATE journal_entry SET description = 'changed'",
        "DELETE FROM journal_entry",
    ],
)
def test_the_database_refuses_to_change_or_delete_booked_rows(app, statement):
    with app.app_context():
        cooperative = gen_cooperative()
        gen_sale(cooperative, gen_member(cooperative))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        amounts = db.session.scalars(select(Posting.amount_cents).order_by(Posting.id)).all()
        assert amounts == [12100, -2100, -1500, -8500]


def test_a_posting_of_zero_violates_the_check_constraint(app):
    with app.app_context():
        cooperative = gen_cooperative()
        entry = gen_sale(cooperative, gen_member(cooperative))
        values = {"entry": entry.id, "account": entry.postings[0].account_id}
        with pytest.raises(IntegrityError, match="ck_posting_amount_not_zero"):
            db.session.execute(
                text(
                    "INSERT INTO posting (entry_id, account_id, amount_cents) "
                    "VALUES (:entry, :account, 0)"
                ),
                values,
            )
        db.session.rollback()


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite has one writer; the race needs PostgreSQL"
)
def test_concurrent_sales_create_each_account_once_and_balance_exactly(app):
    with app.app_context():
        cooperative = gen_cooperative()
        alice, bob = gen_member(cooperative), gen_member(cooperative)
        ids = (cooperative.id, alice.id, bob.id)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def book_sales(thread: int) -> None:
        coop_id, alice_id, bob_id = ids
        lines = [SaleLine(alice_id, 12100, 21), SaleLine(bob_id, 999, 9)]
        try:
            with app.app_context():
                start.wait()
                for n in range(50):
                    post_sale(
                        cooperative_id=coop_id,
                        invoice_reference=f"T{thread}-{n}",
                        booking_date=date(2026, 1, 15),
                        levy_bp=1500,
                        lines=lines,
                    )
                    db.session.commit()
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=book_sales, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context():
        coop_id, alice_id, bob_id = ids
        assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 5
        # Per sale: alice 12100 at 21 % and bob 999 at 9 %, 15 % levy (see test_flows).
        assert account_balance(accounts.PSP_CLEARING) == 100 * (12100 + 999)
        assert account_balance(accounts.vat_payable(coop_id)) == -100 * (2100 + 82)
        assert account_balance(accounts.support_fund(coop_id)) == -100 * (1500 + 138)
        assert (member_pot(alice_id), member_pot(bob_id)) == (100 * 8500, 100 * 779)
        # Both transactions added to the same two income totals; neither amount is lost.
        assert member_incomes(coop_id, ["2026-01"]) == {
            (alice_id, "2026-01"): 100 * 8500,
            (bob_id, "2026-01"): 100 * 779,
        }


def wait_for_a_blocked_transaction(timeout: float = 10.0) -> None:
    """Return once another connection to this database waits for a row lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + timeout
    with db.engine.connect() as connection:
        while not connection.execute(query).scalar():
            assert time.monotonic() < deadline, "the second booking never waited"
            connection.rollback()  # pg_stat_activity stays the same within a transaction
            time.sleep(0.02)


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite has one writer; the race needs PostgreSQL"
)
@pytest.mark.parametrize(("cents", "outcome"), [(500, "same entry"), (501, "ReferenceConflict")])
def test_a_reference_booked_by_two_transactions_at_once_is_booked_once(app, cents, outcome):
    """The second booking waits for the first; then it gets that entry, or a named conflict."""
    booked = threading.Event()
    results: dict[str, object] = {}

    def book(name: str, amount: int) -> None:
        with app.app_context():
            try:
                lines = [(accounts.BANK, amount), (accounts.PSP_CLEARING, -amount)]
                entry = post_entry(
                    kind="payout", reference="PAY-1", booking_date=date(2026, 1, 15), lines=lines
                )
                results[name] = entry.id
                if name == "first":
                    booked.set()
                    wait_for_a_blocked_transaction()
                db.session.commit()
            except ReferenceConflict as error:
                results[name] = type(error).__name__
            except BaseException as error:  # reported by the assertion below
                booked.set()
                results[name] = error

    with app.app_context():
        # Accounts exist, so the second booking waits on the reference, not on a new account.
        for code in (accounts.BANK, accounts.PSP_CLEARING):
            get_account(code)
        db.session.commit()
    first = threading.Thread(target=book, args=("first", 500))
    first.start()
    assert booked.wait(10)
    second = threading.Thread(target=book, args=("second", cents))
    second.start()
    first.join()
    second.join()
    expected = results["first"] if outcome == "same entry" else outcome
    assert results == {"first": results["first"], "second": expected}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 1
        assert account_balance(accounts.BANK) == 500
