"""``coopshop payments``: the stored payment events that are still waiting."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("payments")
def payments_group() -> None:
    """Payment events: handle what is waiting, list what failed."""


@payments_group.command("process")
@with_appcontext
def process_command() -> None:
    """Handle the stored events nobody has handled yet, then try the failed ones again (fewer
    than five tries). Run it from cron every few minutes; the webhook normally does it at
    once."""
    from coopshop.payments.webhooks import process_stored_events, retry_failed_events

    handled = process_stored_events()
    retried, failed = retry_failed_events()
    click.echo(f"{handled + retried} event(s) handled, {failed} failed.")
    if failed:
        raise SystemExit(1)


@payments_group.command("failed")
@with_appcontext
def failed_command() -> None:
    """List the events that were tried and not handled, with their last error."""
    from coopshop.payments.webhooks import MAX_ATTEMPTS, failed_events

    events = failed_events()
    for event in events:
        given_up = "  (no more retries)" if event.attempts >= MAX_ATTEMPTS else ""
        click.echo(
            f"{event.event_id}  {event.type}  {event.attempts} attempt(s)  {event.last_error}"
            + given_up
        )
    click.echo(f"{len(events)} failed event(s).")
