"""``coopshop settle``: preview and close a month from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.cooperatives.models import Cooperative
from coopshop.errors import DomainError
from coopshop.extensions import db
from coopshop.money import format_eur
from coopshop.settlement.close import close_period, preview_close
from coopshop.settlement.models import FIGURES
from coopshop.settlement.plan import ClosePlan


@click.group("settle")
def settle_group() -> None:
    """Municipal settlement: preview and close a month."""


def _cooperative(slug: str) -> Cooperative:
    found = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if found is None:
        raise click.BadParameter(f"no cooperative with slug {slug!r}", param_hint="--coop")
    return found


def _actor(email: str | None) -> User | None:
    if email is None:
        return None
    found = db.session.scalar(select(User).where(User.email == email))
    if found is None:
        raise click.BadParameter(f"no user with e-mail {email!r}", param_hint="--user")
    return found


def plan_lines(plan: ClosePlan) -> list[str]:
    """One line per municipality settled, with its members and totals; then those waiting."""
    lines = []
    for settlement in plan.settlements:
        lines.append(
            f"{settlement.municipality.name} ({settlement.name}): "
            f"{len(settlement.members)} member(s), income "
            f"{format_eur(settlement.total('member_income'))}, exemption "
            f"{format_eur(settlement.total('exemption'))}, withheld "
            f"{format_eur(settlement.total('withheld'))}"
        )
    for waiting in plan.waiting:
        lines.append(
            f"{waiting.municipality.name}: settles per quarter, with {waiting.settles_with}"
        )
    return lines or ["No member is settled in this period."]


MEMBER_COLUMNS = (
    "Client no.",
    "Name",
    "Income",
    "Basis",
    "Exemption",
    "Countable",
    "Offset",
    "Withheld",
    "Months left",
)


def member_lines(plan: ClosePlan) -> list[str]:
    """Every member's figures, a table per municipality settled, as the preview page shows
    them: income, basis, exemption, countable, offset, withheld and exemption months left."""
    lines = []
    for settlement in plan.settlements:
        rule = settlement.rule
        lines.append(
            f"{settlement.municipality.name}, {settlement.name}, "
            f"rule in force from {rule.effective_from.isoformat()}:"
        )
        rows = [MEMBER_COLUMNS]
        for line in settlement.members:
            name = line.member.name
            if line.result.is_correction:  # as the page marks it
                name += " (correction: negative, no offset)"
            rows.append(
                (
                    line.member.client_number,
                    name,
                    *(format_eur(getattr(line.result, figure)) for figure in FIGURES),
                    str(line.months_left) if line.eligible else "-",
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(len(MEMBER_COLUMNS))]
        for row in rows:
            cells = [
                cell.ljust(width) if column < 2 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  " + "  ".join(cells).rstrip())
    return lines


@settle_group.command("close")
@click.option("--coop", "slug", required=True, metavar="SLUG", help="The cooperative's slug.")
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to close.")
@click.option("--user", "email", metavar="EMAIL", help="Who closes it (printed on the reports).")
@click.option("--preview", is_flag=True, help="Only show the figures; close nothing.")
@click.option("--yes", is_flag=True, help="Close without asking after the preview.")
@with_appcontext
def close_command(slug: str, period: str, email: str | None, preview: bool, yes: bool) -> None:
    """Close a month: post the offsets, lock the period and issue the reports, all at once.

    As on the page, the preview comes first: every member's figures, then the question
    whether to close (``--yes`` answers it for scripts). The close computes the figures again
    with the books locked, so a sale booked meanwhile is in them; what it issued is printed.
    """
    cooperative = _cooperative(slug)
    actor = _actor(email)
    try:
        plan = preview_close(cooperative, period)
    except DomainError as refusal:
        raise click.ClickException(refusal.message) from refusal
    for line in member_lines(plan) + plan_lines(plan):
        click.echo(line)
    if preview:
        click.echo(
            f"Would close {period} for {cooperative.name}: {len(plan.settlements)} report(s)."
        )
        return
    db.session.rollback()  # the preview's reads end here; the close locks the books itself
    if not yes:
        click.confirm(f"Close {period} for {cooperative.name}? This cannot be undone", abort=True)
    try:
        closed = close_period(cooperative.id, period, actor).plan
    except DomainError as refusal:
        raise click.ClickException(refusal.message) from refusal
    if plan_lines(closed) != plan_lines(plan):
        click.echo("The figures changed since the preview. Issued:")
        for line in plan_lines(closed):
            click.echo(line)
    click.echo(f"Closed {period} for {cooperative.name}: {len(closed.settlements)} report(s).")
