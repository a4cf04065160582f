"""Webhook signatures the way Stripe makes them, shared by Stripe and the simulator.

A ``Stripe-Signature`` header reads ``t=<unix time>,v1=<hex>``, where the hex is the
HMAC-SHA256, keyed with the endpoint's secret, of ``"<t>.<raw body>"``. Verification is the
official SDK's (``stripe.WebhookSignature.verify_header``, which ``stripe.Webhook.
construct_event`` runs too); only the parsing of the body into a plain ``VerifiedEvent`` is
ours, so no SDK object leaks out of the gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import stripe

from coopshop.payments.gateway import InvalidSignature, VerifiedEvent

# Stripe's default: a signed event older than five minutes is refused, against replays.
SIGNATURE_TOLERANCE_SECONDS = 300


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Return the ``Stripe-Signature`` header value for ``payload`` signed with ``secret``."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    message = f"{signed_at}.".encode() + payload
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={signed_at},v1={digest}"


def verify_event(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> VerifiedEvent:
    """Check the signature on the raw body, then parse it into a VerifiedEvent.

    Raises InvalidSignature for a missing or malformed header, a signature made with another
    secret or over another body, a timestamp older than ``tolerance`` seconds, a body that is
    not UTF-8 JSON, and JSON that lacks an event's id, type, created or data.object.
    """
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
        return event_from_json(payload)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidSignature() from error


def event_from_json(payload: bytes) -> VerifiedEvent:
    """Parse an event body; raises ValueError (json's errors are ValueErrors too) if it is not one."""
    event = json.loads(payload)
    if not isinstance(event, dict):
        raise ValueError("an event is a JSON object")
    data = event.get("data")
    data_object = data.get("object") if isinstance(data, dict) else None
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str)):
        raise ValueError("an event needs an id and a type")
    if type(created) is not int or not isinstance(data_object, dict):
        raise ValueError("an event needs created and data.object")
    return VerifiedEvent(id=event_id, type=event_type, created=created, data_object=data_object)
