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


@settle_group.command("close")
@click.option("--coop", "slug", required=True, metavar="SLUG", help="The cooperative's slug.")
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to close.")
@click.option("--user", "email", metavar="EMAIL", help="Who closes it (printed on the reports).")
@click.option("--preview", is_flag=True, help="Only show the figures; close nothing.")
@with_appcontext
def close_command(slug: str, period: str, email: str | None, preview: bool) -> None:
    """Close a month: post the offsets, lock the period and issue the reports, all at once."""
    cooperative = _cooperative(slug)
    actor = _actor(email)
    try:
        if preview:
            plan = preview_close(cooperative, period)
        else:
            plan = close_period(cooperative.id, period, actor).plan
    except DomainError as refusal:
        raise click.ClickException(refusal.message) from refusal
    for line in plan_lines(plan):
        click.echo(line)
    verb = "Would close" if preview else "Closed"
    click.echo(f"{verb} {period} for {cooperative.name}: {len(plan.settlements)} report(s).")
