"""``coopshop orders``: housekeeping of orders."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("orders")
def orders_group() -> None:
    """Orders: close the ones whose payment time ran out."""


@orders_group.command("expire")
@with_appcontext
def expire_command() -> None:
    """Release the stock of orders not paid within their payment window."""
    from coopshop.orders.expiry import expire_overdue

    click.echo(f"{expire_overdue()} order(s) expired.")
