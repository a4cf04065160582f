"""The simulator's events: Stripe-shaped objects, signed like Stripe, delivered like a webhook.

The simulator never calls a handler directly. It writes the event as Stripe would send it,
signs the exact bytes with the simulator's webhook secret and hands them to
``webhooks.deliver``, which verifies them with the gateway's ``parse_event``: the same code path
a real webhook takes, so the handler cannot tell the two apart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from flask import current_app

from coopshop.money import to_stripe_amount
from coopshop.payments.gateway import CURRENCY, PAYMENT_METHOD_TYPES, VerifiedEvent
from coopshop.payments.models import SimulatedCheckout, SimulatedRefund, as_utc
from coopshop.payments.signing import sign_payload

# The Stripe API version whose shapes these objects follow.
API_VERSION = "2025-01-27.acacia"
SECRET_CONTEXT = b"coopshop payment simulator webhook secret"


def new_id(prefix: str) -> str:
    """A Stripe-like id such as ``cs_sim_3f9a...``; random, so ids cannot be guessed."""
    return f"{prefix}_{secrets.token_hex(12)}"


def simulator_webhook_secret() -> str:
    """``SIMULATOR_WEBHOOK_SECRET``, or one derived from ``SECRET_KEY`` when it is not set,
    so every app process of one installation signs and verifies with the same secret."""
    configured = current_app.config.get("SIMULATOR_WEBHOOK_SECRET")
    if configured:
        return configured
    key = str(current_app.config["SECRET_KEY"]).encode()
    return "whsec_sim_" + hmac.new(key, SECRET_CONTEXT, hashlib.sha256).hexdigest()


def deliver_event(event_type: str, data_object: dict[str, Any]) -> VerifiedEvent:
    """Sign a Stripe-shaped event and deliver it through ``webhooks.deliver``."""
    from coopshop.payments import webhooks

    event = {
        "id": new_id("evt_sim"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": data_object},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    payload = json.dumps(event, separators=(",", ":")).encode()
    return webhooks.deliver(payload, sign_payload(payload, simulator_webhook_secret()))


def checkout_object(checkout: SimulatedCheckout, url: str | None = None) -> dict[str, Any]:
    """The session as Stripe's ``checkout.session`` object."""
    email = checkout.customer_email
    paid = checkout.payment_status == "paid"
    return {
        "id": checkout.id,
        "object": "checkout.session",
        "amount_subtotal": to_stripe_amount(checkout.amount_total_cents),
        "amount_total": to_stripe_amount(checkout.amount_total_cents),
        "cancel_url": checkout.cancel_url,
        "client_reference_id": checkout.reference,
        "created": int(as_utc(checkout.created_at).timestamp()),
        "currency": checkout.currency,
        "customer_details": {"email": email} if paid else None,
        "customer_email": email,
        "expires_at": int(as_utc(checkout.expires_at).timestamp()),
        "livemode": False,
        "locale": checkout.locale,
        "metadata": dict(checkout.payment_metadata),
        "mode": "payment",
        "payment_intent": checkout.payment_intent_id,
        "payment_method_types": list(PAYMENT_METHOD_TYPES),
        "payment_status": checkout.payment_status,
        "status": checkout.status,
        "success_url": checkout.success_url,
        "url": url,
    }


def charge_id(payment_intent_id: str) -> str:
    """The simulator keeps one charge per PaymentIntent, named after it."""
    return "ch_sim_" + payment_intent_id.removeprefix("pi_sim_")


def refund_object(refund: SimulatedRefund) -> dict[str, Any]:
    """A refund as Stripe's ``refund`` object."""
    return {
        "id": refund.id,
        "object": "refund",
        "amount": to_stripe_amount(refund.amount_cents),
        "charge": charge_id(refund.payment_intent_id),
        "created": int(as_utc(refund.created_at).timestamp()),
        "currency": CURRENCY,
        "metadata": dict(refund.payment_metadata),
        "payment_intent": refund.payment_intent_id,
        "status": "succeeded",
    }


def charge_object(
    checkout: SimulatedCheckout, refunds: Sequence[SimulatedRefund]
) -> dict[str, Any]:
    """The paid charge with every refund so far, as in Stripe's ``charge.refunded`` event:
    ``amount_refunded`` is cumulative and ``refunds`` lists them, newest first."""
    if checkout.payment_intent_id is None:
        raise ValueError(f"checkout {checkout.id} was not paid, so it has no charge")
    refunded = sum(refund.amount_cents for refund in refunds)
    newest_first = sorted(refunds, key=lambda refund: as_utc(refund.created_at), reverse=True)
    return {
        "id": charge_id(checkout.payment_intent_id),
        "object": "charge",
        "amount": to_stripe_amount(checkout.amount_total_cents),
        "amount_captured": to_stripe_amount(checkout.amount_total_cents),
        "amount_refunded": to_stripe_amount(refunded),
        "currency": checkout.currency,
        "livemode": False,
        "metadata": dict(checkout.payment_metadata),
        "paid": True,
        "payment_intent": checkout.payment_intent_id,
        "payment_method_details": {"type": checkout.payment_method or "ideal"},
        "refunded": refunded == checkout.amount_total_cents,
        "refunds": {
            "object": "list",
            "data": [refund_object(refund) for refund in newest_first],
            "has_more": False,
            "total_count": len(refunds),
        },
        "status": "succeeded",
    }
