"""``coopshop ledger check``: silent on a sound ledger, a readable list on a corrupted one."""

import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from coopshop import create_app
from coopshop.extensions import db
from coopshop.ledger.checks import check_ledger
from coopshop.ledger.services import reverse_entry
from tests.conftest import BACKEND, base_config
from tests.factories import gen_cooperative, gen_member, gen_sale

TRIGGERS = (
    "posting_no_update",
    "posting_no_delete",
    "journal_entry_no_update",
    "journal_entry_no_delete",
)


def book_sample_ledger() -> dict[str, int]:
    """Two sales and the reversal of the first, committed; returns the ids the SQL needs."""
    cooperative = gen_cooperative()
    member = gen_member(cooperative)
    first = gen_sale(cooperative, member)
    reversal = reverse_entry(first, reference="REV-1", booking_date=date(2026, 1, 20))
    db.session.commit()
    second = gen_sale(cooperative, member, invoice_reference="F-LAST")
    return {
        "coop": cooperative.id,
        "member": member.id,
        "reversal": reversal.id,
        "last": second.id,
    }


def test_the_check_passes_on_a_sound_ledger(app, runner):
    with app.app_context():
        book_sample_ledger()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0
    assert result.output == "Ledger OK: 3 entries, 12 postings, all invariants hold.\n"


def test_the_check_passes_on_an_empty_ledger(runner):
    result = runner.invoke(args=["ledger", "check"])
    assert (result.exit_code, result.output) == (
        0,
        "Ledger OK: 0 entries, 0 postings, all invariants hold.\n",
    )


def corrupt_a_posting(app: Flask, tmp_path: Path) -> Flask:
    """Change the last posting's amount behind the triggers' back; return an app on that database."""
    change = "UPDATE posting SET amount_cents = amount_cents + 1 WHERE id = (SELECT max(id) FROM posting)"
    if BACKEND == "postgresql":
        with app.app_context():
            db.session.execute(text("ALTER TABLE posting DISABLE TRIGGER USER"))
            db.session.execute(text(change))
            db.session.execute(text("ALTER TABLE posting ENABLE TRIGGER USER"))
            db.session.commit()
        return app
    copy = tmp_path / "corrupted.sqlite3"
    shutil.copyfile(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, copy)
    with closing(sqlite3.connect(copy)) as connection:
        connection.execute("DROP TRIGGER posting_no_update")
        connection.execute(change)
        connection.commit()
    return create_app(base_config(f"sqlite:///{copy}", tmp_path))


def test_the_check_fails_with_a_readable_list_on_a_corrupted_database(app, tmp_path):
    with app.app_context():
        ids = book_sample_ledger()
    corrupted = corrupt_a_posting(app, tmp_path)
    result = corrupted.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    # The last posting is the member's leg of the last sale: 85.00 of income, now 84.99.
    assert result.output == (
        "Ledger check FAILED: 2 problem(s).\n"
        "- [balance] Entry sale:F-LAST does not balance: its postings sum to +1 cent(s).\n"
        f"- [income_total] The income total of member {ids['member']} (cooperative "
        f"{ids['coop']}) for 2026-01 is 8500 cent(s); the postings add up to 8499 cent(s).\n"
    )
    with corrupted.app_context():
        db.engine.dispose()


def bypass_the_guards() -> None:
    """Let raw SQL do what the application never may, until the test's transaction ends."""
    if BACKEND == "postgresql":
        # No triggers (neither ours nor the foreign keys'), no CHECK, no unique reference;
        # all of it transactional, so the rollback at the end of the test restores it.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text("ALTER TABLE posting DROP CONSTRAINT ck_posting_amount_not_zero"))
        db.session.execute(
            text("ALTER TABLE journal_entry DROP CONSTRAINT uq_journal_entry_reference")
        )
        return
    # Every test has its own SQLite file. The pragma only takes effect outside a transaction,
    # so it goes first, before the statements below open one.
    db.session.commit()
    db.session.execute(text("PRAGMA foreign_keys = OFF"))
    for trigger in TRIGGERS:
        db.session.execute(text(f"DROP TRIGGER {trigger}"))
    db.session.execute(text("PRAGMA ignore_check_constraints = ON"))


LAST_POSTING = "(SELECT max(id) FROM posting)"
CORRUPTIONS = {
    "changed amount": (
        [f"UPDATE posting SET amount_cents = amount_cents + 1 WHERE id = {LAST_POSTING}"],
        {"balance", "income_total"},
    ),
    "deleted posting": (
        [
            "DELETE FROM posting WHERE entry_id = :last "
            "AND id <> (SELECT min(id) FROM posting WHERE entry_id = :last)"
        ],
        {"balance", "two_postings", "income_total"},
    ),
    "zero posting": (
        [f"UPDATE posting SET amount_cents = 0 WHERE id = {LAST_POSTING}"],
        {"zero", "balance", "income_total"},
    ),
    "deleted entry": (["DELETE FROM journal_entry WHERE id = :last"], {"orphan", "income_total"}),
    "deleted account": (
        ["DELETE FROM ledger_account WHERE code = 'platform:psp_clearing'"],
        {"orphan"},
    ),
    "duplicate reference": (
        [
            "INSERT INTO journal_entry (kind, reference, booking_date, period, description, created_at) "
            "SELECT kind, reference, booking_date, period, description, created_at "
            "FROM journal_entry WHERE id = :last"
        ],
        {"reference", "two_postings"},
    ),
    "entry after the lock": (
        [
            "INSERT INTO ledger_period_lock (cooperative_id, period, locked_at) "
            "VALUES (:coop, '2026-01', '2000-01-01 00:00:00')"
        ],
        {"closed_period"},
    ),
    "inexact reversal": (
        [
            # Still balanced, but no longer the mirror image of what it reverses.
            "UPDATE posting SET amount_cents = amount_cents + 1 "
            "WHERE id = (SELECT min(id) FROM posting WHERE entry_id = :reversal)",
            "UPDATE posting SET amount_cents = amount_cents - 1 "
            "WHERE id = (SELECT max(id) FROM posting WHERE entry_id = :reversal)",
        ],
        {"reversal", "income_total"},
    ),
    "reversal of a missing entry": (
        ["UPDATE journal_entry SET reverses_id = 9999 WHERE id = :reversal"],
        {"orphan", "reversal"},
    ),
    "account without owner": (
        [
            "INSERT INTO ledger_account (code, owner_type, owner_id, kind, created_at) "
            "VALUES ('municipality:999:payable', 'municipality', 999, 'payable', "
            "'2026-01-01 00:00:00')"
        ],
        {"owner"},
    ),
    "changed income total": (
        ["UPDATE member_period_income SET income_cents = income_cents + 1"],
        {"income_total"},
    ),
    "missing income total": (["DELETE FROM member_period_income"], {"income_total"}),
    "misdated entry": (
        ["UPDATE journal_entry SET period = '2026-02' WHERE id = :last"],
        {"period", "income_total"},
    ),
}


@pytest.mark.parametrize(("statements", "rules"), CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_each_broken_invariant_is_reported(app, statements, rules):
    if BACKEND == "sqlite" and "reference" in rules:
        pytest.skip("SQLite cannot drop a unique constraint short of rebuilding the table")
    with app.app_context():
        ids = book_sample_ledger()
        assert check_ledger() == []
        bypass_the_guards()
        for statement in statements:
            db.session.execute(
                text(statement), {key: ids[key] for key in ids if f":{key}" in statement}
            )
        violations = check_ledger()
        assert {violation.rule for violation in violations} == rules, violations
        assert all(violation.message.endswith(".") for violation in violations)
        db.session.rollback()


def test_the_check_passes_on_the_demo_data(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Ledger OK: 36 entries, ")
