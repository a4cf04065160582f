"""The payment simulator's test page: what it shows, and the payer's two choices.

These are the page's use cases, so they commit: once, after the event's handler has run, so a
failing handler leaves the session as it was (see ``webhooks``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, url_for

from coopshop.extensions import db
from coopshop.payments.models import SimulatedCheckout
from coopshop.payments.simulator import expire, success_url
from coopshop.payments.simulator_events import checkout_object, deliver_event, new_id

# The page speaks of paid and expired; Stripe's session status says complete for paid.
STATES = {"open": "open", "complete": "paid", "expired": "expired"}


@dataclass(frozen=True)
class SimulatorLine:
    name: str
    quantity: int
    unit_amount_cents: int
    total_cents: int


@dataclass(frozen=True)
class SimulatorPage:
    """What the test page shows: ``state`` is "open", "paid" or "expired"."""

    id: str
    reference: str
    amount_total_cents: int
    lines: list[SimulatorLine]
    state: str
    return_url: str


def load_simulator_page(session_id: str) -> SimulatorPage:
    """The page's figures; 404 for an unknown session. Reading changes nothing."""
    checkout = db.session.get(SimulatedCheckout, session_id) or abort(404)
    state = "expired" if checkout.is_due() else STATES[checkout.status]
    lines = [
        SimulatorLine(
            item["name"],
            item["quantity"],
            item["unit_amount_cents"],
            item["unit_amount_cents"] * item["quantity"],
        )
        for item in checkout.items
    ]
    return_url = success_url(checkout) if state == "paid" else checkout.cancel_url
    return SimulatorPage(
        checkout.id, checkout.reference, checkout.amount_total_cents, lines, state, return_url
    )


def pay_simulated_checkout(session_id: str, payment_method: str = "ideal") -> str:
    """The payer paid: mark the session paid, deliver ``checkout.session.completed``, commit.

    Returns where to send the payer: the success URL, or back to the test page when the
    session was no longer open (already paid, cancelled or past its expiry time, which is
    then made official with ``checkout.session.expired``). 404 for an unknown session.
    """
    checkout = db.session.get(SimulatedCheckout, session_id, with_for_update=True) or abort(404)
    target = url_for("payments.simulator_page", session_id=session_id)
    if checkout.is_due():
        expire(checkout)
    elif checkout.status == "open":
        checkout.status, checkout.payment_status = "complete", "paid"
        checkout.payment_intent_id = new_id("pi_sim")
        checkout.payment_method = payment_method
        db.session.flush()
        deliver_event("checkout.session.completed", checkout_object(checkout))
        target = success_url(checkout)
    db.session.commit()
    return target


def cancel_simulated_checkout(session_id: str) -> str:
    """The payer cancelled: expire the session (``checkout.session.expired``) and commit.

    Returns the cancel URL, or the test page when the session was no longer open.
    404 for an unknown session.
    """
    checkout = db.session.get(SimulatedCheckout, session_id, with_for_update=True) or abort(404)
    target = url_for("payments.simulator_page", session_id=session_id)
    if checkout.status == "open":
        target = target if checkout.is_due() else checkout.cancel_url
        expire(checkout)
    db.session.commit()
    return target
