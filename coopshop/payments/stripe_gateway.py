"""Stripe Checkout through the official SDK (``stripe.StripeClient``, the ``v1`` services).

Every write carries an idempotency key derived from the caller's reference, every amount goes
through ``money.to_stripe_amount`` / ``from_stripe_amount``, and every amount Stripe reports
back is compared with what was asked (AmountMismatch). Stripe's errors become
PaymentProviderError; the SDK's objects are turned into plain dicts at once and never leave
this module.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe
from flask_babel import lazy_gettext as _l

from coopshop.money import from_stripe_amount, to_stripe_amount
from coopshop.payments.gateway import (
    CURRENCY,
    PAYMENT_METHOD_TYPES,
    AmountMismatch,
    CheckoutItem,
    CheckoutSession,
    PaymentProviderError,
    Refund,
    VerifiedEvent,
    checkout_idempotency_key,
    default_expires_at,
    payment_metadata,
    refund_idempotency_key,
    total_cents,
)
from coopshop.payments.signing import verify_event

log = logging.getLogger(__name__)

REFUND_REFUSED = _l(
    "De betaaldienst heeft de terugbetaling geweigerd. Er is niets terugbetaald. "
    "Controleer het bedrag: het kan niet meer zijn dan er nog over is van de betaling."
)


class StripeGateway:
    """The PaymentGateway for Stripe. A fresh HTTP session per call, closed afterwards, so no
    connection outlives the request that needed it (and nothing is shared between threads)."""

    # Safe to retry: every POST carries an idempotency key, so a retry never pays twice.
    MAX_NETWORK_RETRIES = 2
    TIMEOUT_SECONDS = 30

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str = "") -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base

    @contextmanager
    def _client(self, failure_message: Any = None) -> Iterator[stripe.StripeClient]:
        """A StripeClient whose errors (network, API, refusals) become PaymentProviderError."""
        http_client = stripe.RequestsClient(timeout=self.TIMEOUT_SECONDS)
        client = stripe.StripeClient(
            self.secret_key,
            base_addresses={"api": self.api_base} if self.api_base else None,
            http_client=http_client,
            max_network_retries=self.MAX_NETWORK_RETRIES,
        )
        try:
            yield client
        except stripe.StripeError as error:
            log.warning(
                "Stripe refused or failed: %s status=%s code=%s request=%s",
                type(error).__name__,
                error.http_status,
                error.code,
                error.request_id,
            )
            raise PaymentProviderError(str(failure_message) if failure_message else None) from error
        finally:
            http_client.close()

    def create_checkout(
        self,
        *,
        reference: str,
        items: list[CheckoutItem],
        customer_email: str | None,
        success_url: str,
        cancel_url: str,
        metadata: dict[str, str],
        locale: str = "nl",
        expires_at: int | None = None,
    ) -> CheckoutSession:
        """Create (or, for a reference seen before, get back) a Checkout Session.

        iDEAL and card, euros, the given locale, expiring at ``expires_at`` (default
        ``CHECKOUT_EXPIRY_MINUTES`` from now). Raises ValueError for bad items or metadata,
        PaymentProviderError when Stripe fails, and AmountMismatch (after expiring the session,
        so it can never be paid) when Stripe's amount_total or currency is not what was asked.
        """
        expected = total_cents(items)
        params = {
            "mode": "payment",
            "payment_method_types": list(PAYMENT_METHOD_TYPES),
            "line_items": [_line_item(item) for item in items],
            "locale": locale,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": reference,
            "metadata": payment_metadata(reference, metadata),
            # On the PaymentIntent too, so refund and charge events carry the caller's ids.
            "payment_intent_data": {"metadata": payment_metadata(reference, metadata)},
            "expires_at": expires_at or default_expires_at(),
        }
        if customer_email:
            params["customer_email"] = customer_email
        options = {"idempotency_key": checkout_idempotency_key(reference)}
        with self._client() as client:
            session = client.v1.checkout.sessions.create(params=params, options=options)  # type: ignore[arg-type]
            result = session_from_stripe(session.to_dict())
            if result.amount_total_cents != expected or result.currency != CURRENCY:
                self._expire_quietly(client, result.id)
                raise AmountMismatch()
        return result

    def _expire_quietly(self, client: stripe.StripeClient, session_id: str) -> None:
        """Close a session we will not hand out; a failure here must not hide the mismatch."""
        log.error("Stripe session %s has another amount than asked; expiring it", session_id)
        try:
            client.v1.checkout.sessions.expire(session_id)
        except stripe.StripeError:
            log.exception("Could not expire Stripe session %s", session_id)

    def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        """Read a session back; raises PaymentProviderError (also for an unknown id)."""
        with self._client() as client:
            return session_from_stripe(client.v1.checkout.sessions.retrieve(session_id).to_dict())

    def expire_checkout(self, session_id: str) -> CheckoutSession:
        """Close an open session so it can no longer be paid; a closed one is returned as it is.

        Raises PaymentProviderError when Stripe fails or refuses for another reason.
        """
        with self._client() as client:
            try:
                session = client.v1.checkout.sessions.expire(session_id)
            except stripe.InvalidRequestError:
                # Stripe refuses to expire a session that is not open: report how it ended.
                current = client.v1.checkout.sessions.retrieve(session_id)
                if current["status"] == "open":
                    raise
                session = current
            return session_from_stripe(session.to_dict())

    def refund(
        self, *, payment_intent_id: str, amount_cents: int, reference: str, metadata: dict[str, str]
    ) -> Refund:
        """Refund ``amount_cents`` of a paid PaymentIntent, idempotent per ``reference``.

        Raises ValueError for a non-positive amount, PaymentProviderError when Stripe fails or
        refuses (more than is left to refund, unknown payment), AmountMismatch when the refund
        Stripe reports is for another amount.
        """
        if type(amount_cents) is not int or amount_cents <= 0:
            raise ValueError(f"a refund must be a positive number of cents, got {amount_cents!r}")
        params = {
            "payment_intent": payment_intent_id,
            "amount": to_stripe_amount(amount_cents),
            "metadata": payment_metadata(reference, metadata),
        }
        options = {"idempotency_key": refund_idempotency_key(reference)}
        with self._client(REFUND_REFUSED) as client:
            refund = client.v1.refunds.create(params=params, options=options).to_dict()  # type: ignore[arg-type]
        result = Refund(
            id=refund["id"],
            amount_cents=_read_amount(refund, "amount"),
            status=refund.get("status") or "pending",
            payment_intent_id=refund.get("payment_intent") or payment_intent_id,
        )
        if result.amount_cents != amount_cents:
            log.error(
                "Stripe refund %s is for %s, not %s", result.id, result.amount_cents, amount_cents
            )
            raise AmountMismatch()
        return result

    def parse_event(self, payload: bytes, signature_header: str | None) -> VerifiedEvent:
        """Verify a webhook with ``STRIPE_WEBHOOK_SECRET``; raises InvalidSignature."""
        return verify_event(payload, signature_header, self.webhook_secret)


def _line_item(item: CheckoutItem) -> dict[str, Any]:
    return {
        "quantity": item.quantity,
        "price_data": {
            "currency": CURRENCY,
            "unit_amount": to_stripe_amount(item.unit_amount_cents),
            "product_data": {"name": item.name},
        },
    }


def _read_amount(stripe_object: dict[str, Any], key: str) -> int:
    """An amount Stripe reported, in cents; a missing or odd value is a mismatch, not a zero."""
    value = stripe_object.get(key)
    if type(value) is not int or value < 0:
        raise AmountMismatch()
    return from_stripe_amount(value)


def session_from_stripe(session: dict[str, Any]) -> CheckoutSession:
    """A Stripe ``checkout.session`` (as a plain dict) as the gateway's CheckoutSession."""
    payment_intent = session.get("payment_intent")
    if isinstance(payment_intent, dict):  # expanded
        payment_intent = payment_intent.get("id")
    return CheckoutSession(
        id=session["id"],
        url=session.get("url"),
        status=session.get("status") or "open",
        payment_status=session.get("payment_status") or "unpaid",
        amount_total_cents=_read_amount(session, "amount_total"),
        currency=session.get("currency") or "",
        payment_intent_id=payment_intent,
        metadata={str(key): str(value) for key, value in (session.get("metadata") or {}).items()},
        expires_at=session.get("expires_at"),
    )
