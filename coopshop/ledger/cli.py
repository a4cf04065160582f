"""``coopshop ledger``: check the invariants and print balances."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.ledger.balances import balances_by_account, balances_by_owner
from coopshop.ledger.checks import check_ledger, ledger_size
from coopshop.money import format_eur


@click.group("ledger")
def ledger_group() -> None:
    """The double-entry ledger: invariant checks and balances."""


@ledger_group.command("check")
@with_appcontext
def check_command() -> None:
    """Check every invariant of the ledger; exit with status 1 if any is broken."""
    violations = check_ledger()
    if violations:
        click.echo(f"Ledger check FAILED: {len(violations)} problem(s).")
        for violation in violations:
            click.echo(f"- [{violation.rule}] {violation.message}")
        raise click.exceptions.Exit(1)
    entries, postings = ledger_size()
    click.echo(f"Ledger OK: {entries} entries, {postings} postings, all invariants hold.")


@ledger_group.command("balances")
@click.option(
    "--by",
    type=click.Choice(["account", "owner"]),
    default="account",
    show_default=True,
    help="One line per account, or per owner over all its accounts.",
)
@click.option(
    "--cooperative", "slug", metavar="SLUG", help="Only the entries booked for this cooperative."
)
@with_appcontext
def balances_command(by: str, slug: str | None) -> None:
    """Print balances in euros; debit is positive, credit (money owed) negative."""
    cooperative_id = _cooperative_id(slug) if slug else None
    if by == "owner":
        rows = [
            (_owner_label(row.owner_type, row.owner_id), row.balance_cents)
            for row in balances_by_owner(cooperative_id)
        ]
    else:
        rows = [(row.code, row.balance_cents) for row in balances_by_account(cooperative_id)]
    for line in balance_table(by, rows):
        click.echo(line)


def _cooperative_id(slug: str) -> int:
    found = db.session.scalar(select(Cooperative.id).where(Cooperative.slug == slug))
    if found is None:
        raise click.BadParameter(f"no cooperative with slug {slug!r}", param_hint="--cooperative")
    return found


def _owner_label(owner_type: str, owner_id: int | None) -> str:
    return owner_type if owner_id is None else f"{owner_type} {owner_id}"


def balance_table(heading: str, rows: list[tuple[str, int]]) -> list[str]:
    """Aligned lines: a name column, a euro column, and the total (zero in a sound ledger)."""
    if not rows:
        return ["No postings."]
    total = ("total", sum(cents for _, cents in rows))
    amounts = [(name, format_eur(cents)) for name, cents in [*rows, total]]
    name_width = max(len(heading), *(len(name) for name, _ in amounts))
    amount_width = max(len("balance"), *(len(amount) for _, amount in amounts))
    rule = "-" * (name_width + 2 + amount_width)
    lines = [f"{heading:<{name_width}}  {'balance':>{amount_width}}", rule]
    lines += [f"{name:<{name_width}}  {amount:>{amount_width}}" for name, amount in amounts[:-1]]
    return [*lines, rule, f"{amounts[-1][0]:<{name_width}}  {amounts[-1][1]:>{amount_width}}"]
