"""The payment simulator's test page and the payment webhook endpoint."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from coopshop.extensions import csrf
from coopshop.forms import ButtonForm
from coopshop.payments import simulator
from coopshop.payments.forms import SimulatorPayForm
from coopshop.payments.gateway import InvalidSignature
from coopshop.payments.simulator_page import (
    cancel_simulated_checkout,
    load_simulator_page,
    pay_simulated_checkout,
)
from coopshop.payments.webhooks import receive_webhook

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)


@bp.before_request
def simulator_only_without_stripe() -> None:
    """With Stripe keys set, payments are real: the simulator's pages do not exist."""
    if request.endpoint != "payments.webhook" and current_app.config.get("STRIPE_SECRET_KEY"):
        abort(404)


@bp.get("/betaalsimulator/<session_id>")
def simulator_page(session_id: str) -> str:
    """The simulator's payment page, clearly marked as a test: the amount, the items and the
    buttons "Betalen" and "Annuleren" while the session is open; its outcome afterwards."""
    return render_template(
        "payments/simulator.html",
        page=load_simulator_page(session_id),
        pay_form=SimulatorPayForm(),
    )


@bp.post("/betaalsimulator/<session_id>/betalen")
def simulator_pay(session_id: str) -> Response:
    """Pay the simulated session and go on to the shop's success page."""
    form = SimulatorPayForm()
    if not form.validate_on_submit():
        return redirect(simulator.simulator_url(session_id))
    return redirect(pay_simulated_checkout(session_id, form.method.data))


@bp.post("/betaalsimulator/<session_id>/annuleren")
def simulator_cancel(session_id: str) -> Response:
    """Cancel the simulated session and go back to the shop's cancel page."""
    if not ButtonForm().validate_on_submit():
        return redirect(simulator.simulator_url(session_id))
    return redirect(cancel_simulated_checkout(session_id))


@bp.post("/betalingen/webhook")
@csrf.exempt
def webhook() -> tuple[str, int, dict[str, str]]:
    """Payment events from Stripe (or anyone replaying the simulator's), on the raw body.

    Exempt from CSRF: a webhook has no session or form; the ``Stripe-Signature`` header,
    checked against the webhook secret over the exact bytes received, authenticates it
    instead. 200 "ok" for a verified event, also when no handler is registered; 400 for a
    missing, wrong or stale signature, and then nothing changes. An error in the handler
    rolls everything back and answers 500, so Stripe delivers the event again later.
    """
    try:
        event = receive_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except InvalidSignature:
        log.warning("Refused a payment webhook with an invalid signature")
        return "invalid signature", 400, {"Content-Type": "text/plain; charset=utf-8"}
    log.info("Payment event %s (%s) received", event.id, event.type)
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
