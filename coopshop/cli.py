"""The ``coopshop`` console command: Flask's CLI bound to the factory, plus our own commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def create_cli_app() -> Flask:
    from coopshop import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=create_cli_app)
def main() -> None:
    """Manage coopshop: run, db upgrade, demo, mail and more."""


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo network (idempotent: running it twice changes nothing)."""
    from coopshop.demo import load_demo

    created = load_demo()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")


@click.group("mail")
def mail_group() -> None:
    """The e-mail outbox."""


@mail_group.command("send")
@with_appcontext
def mail_send() -> None:
    """Deliver queued e-mail (SMTP when configured, .eml files in instance/outbox otherwise)."""
    from coopshop.mail.services import deliver_pending

    click.echo(f"{deliver_pending()} message(s) delivered.")


def init_app(app: Flask) -> None:
    from coopshop.ledger.cli import ledger_group
    from coopshop.payments.cli import payments_group
    from coopshop.settlement.cli import settle_group

    app.cli.add_command(demo_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(ledger_group)
    app.cli.add_command(settle_group)
    app.cli.add_command(payments_group)
