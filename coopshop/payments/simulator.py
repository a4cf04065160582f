"""The built-in payment simulator: Stripe Checkout's stand-in when there are no Stripe keys.

It keeps its sessions and refunds in the database (``simulated_checkout``,
``simulated_refund``) and behaves like Stripe where the callers can tell: the same reference
gives the same session, a payment intent exists only once paid, refunds cannot exceed what
was paid, and every change of state is announced by a signed event through
``webhooks.deliver``. The payer decides on a test page (``simulator_page`` and ``views``).

Gateway methods add and flush only; the caller commits, as with any service helper. Their
events are delivered at once, inside the caller's transaction (Stripe would send them a moment
later), so the handler must not commit on its own. The pay and cancel services of the test
page (``simulator_page``) commit once, after the handler has run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.extensions import db
from coopshop.payments.gateway import (
    CURRENCY,
    CheckoutItem,
    CheckoutSession,
    PaymentProviderError,
    Refund,
    VerifiedEvent,
    default_expires_at,
    payment_metadata,
    total_cents,
)
from coopshop.payments.models import SimulatedCheckout, SimulatedRefund, insert_unless_exists
from coopshop.payments.signing import verify_event
from coopshop.payments.simulator_events import (
    charge_object,
    checkout_object,
    deliver_event,
    new_id,
    simulator_webhook_secret,
)

REFERENCE_REUSED = _l(
    "Deze betaling bestaat al met een ander bedrag. Er is niets afgeschreven. "
    "Begin opnieuw met afrekenen."
)
UNKNOWN_SESSION = _l("De betaaldienst kent deze betaling niet.")
NOT_PAID = _l("Deze betaling is niet (of nog niet) betaald, dus er valt niets terug te betalen.")
REFUND_TOO_LARGE = _l(
    "De terugbetaling is geweigerd: dat is meer dan er van deze betaling nog over is. "
    "Er is niets terugbetaald."
)


class Simulator:
    """The PaymentGateway of the embedded default. See the module docstring."""

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
        """Create a session, or return the one made earlier for ``reference``.

        Raises ValueError for bad items or metadata, and PaymentProviderError when the
        reference was used before for another amount, other items or other metadata (Stripe
        refuses an idempotency key reused with other parameters too).
        """
        values = {
            "id": new_id("cs_sim"),
            "reference": reference,
            "amount_total_cents": total_cents(items),
            "currency": CURRENCY,
            "payment_metadata": payment_metadata(reference, metadata),
            "customer_email": customer_email,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale,
            "items": [_item_json(item) for item in items],
            "expires_at": datetime.fromtimestamp(expires_at or default_expires_at(), UTC),
        }
        insert_unless_exists(SimulatedCheckout, values, "reference")
        checkout = db.session.scalars(
            select(SimulatedCheckout).where(SimulatedCheckout.reference == reference)
        ).one()
        same = ("amount_total_cents", "items", "payment_metadata")
        if any(getattr(checkout, key) != values[key] for key in same):
            raise PaymentProviderError(str(REFERENCE_REUSED))
        return checkout_session(checkout)

    def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        """Read a session back; raises PaymentProviderError for an unknown id."""
        return checkout_session(_checkout(session_id))

    def expire_checkout(self, session_id: str) -> CheckoutSession:
        """Close an open session (delivering ``checkout.session.expired``); a closed one is
        returned as it is. Raises PaymentProviderError for an unknown id."""
        checkout = _checkout(session_id, lock=True)
        if checkout.status == "open":
            expire(checkout)
        return checkout_session(checkout)

    def refund(
        self, *, payment_intent_id: str, amount_cents: int, reference: str, metadata: dict[str, str]
    ) -> Refund:
        """Refund part or all of a paid session and deliver ``charge.refunded``.

        Idempotent per ``reference``. Raises ValueError for a non-positive amount and
        PaymentProviderError for an unpaid or unknown payment, a reference used before for
        another refund, or more than is left of the payment.
        """
        if type(amount_cents) is not int or amount_cents <= 0:
            raise ValueError(f"a refund must be a positive number of cents, got {amount_cents!r}")
        checkout = _paid_checkout(payment_intent_id)
        replayed = db.session.scalars(
            select(SimulatedRefund).where(SimulatedRefund.reference == reference)
        ).one_or_none()
        if replayed is not None:
            return _replayed_refund(replayed, payment_intent_id, amount_cents)
        earlier = _refunds(payment_intent_id)
        if (
            sum(refund.amount_cents for refund in earlier) + amount_cents
            > checkout.amount_total_cents
        ):
            raise PaymentProviderError(str(REFUND_TOO_LARGE))
        refund = SimulatedRefund(
            id=new_id("re_sim"),
            payment_intent_id=payment_intent_id,
            amount_cents=amount_cents,
            reference=reference,
            payment_metadata=payment_metadata(reference, metadata),
        )
        db.session.add(refund)
        db.session.flush()
        deliver_event("charge.refunded", charge_object(checkout, [*earlier, refund]))
        return _refund_value(refund)

    def parse_event(self, payload: bytes, signature_header: str | None) -> VerifiedEvent:
        """Verify an event signed with the simulator's secret; raises InvalidSignature."""
        return verify_event(payload, signature_header, simulator_webhook_secret())


def expire(checkout: SimulatedCheckout) -> None:
    """Close an open session and announce it, as Stripe does at expiry or on request."""
    checkout.status = "expired"
    db.session.flush()
    deliver_event("checkout.session.expired", checkout_object(checkout))


# --- helpers ----------------------------------------------------------------------------


def checkout_session(checkout: SimulatedCheckout) -> CheckoutSession:
    """The gateway's value for a simulated session; a session past its time reads as expired."""
    status = "expired" if checkout.is_due() else checkout.status
    shape = checkout_object(checkout)
    return CheckoutSession(
        id=checkout.id,
        url=simulator_url(checkout.id) if status == "open" else None,
        status=status,
        payment_status=checkout.payment_status,
        amount_total_cents=checkout.amount_total_cents,
        currency=checkout.currency,
        payment_intent_id=checkout.payment_intent_id,
        metadata=dict(checkout.payment_metadata),
        expires_at=shape["expires_at"],
    )


def simulator_url(session_id: str) -> str:
    """The test page's address: absolute when the host is known, else a path (CLI, workers)."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for("payments.simulator_page", session_id=session_id, _external=True)
    return current_app.url_map.bind("localhost").build(
        "payments.simulator_page", {"session_id": session_id}
    )


def success_url(checkout: SimulatedCheckout) -> str:
    # Stripe fills in this placeholder, so callers can find the session on their success page.
    return checkout.success_url.replace("{CHECKOUT_SESSION_ID}", checkout.id)


def _item_json(item: CheckoutItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "unit_amount_cents": item.unit_amount_cents,
        "quantity": item.quantity,
    }


def _checkout(session_id: str, lock: bool = False) -> SimulatedCheckout:
    checkout = db.session.get(SimulatedCheckout, session_id, with_for_update=lock)
    if checkout is None:
        raise PaymentProviderError(str(UNKNOWN_SESSION))
    return checkout


def _paid_checkout(payment_intent_id: str) -> SimulatedCheckout:
    """The paid session of a payment intent, locked so that concurrent refunds queue up."""
    checkout = db.session.scalars(
        select(SimulatedCheckout)
        .where(SimulatedCheckout.payment_intent_id == payment_intent_id)
        .with_for_update()
    ).one_or_none()
    if checkout is None or checkout.payment_status != "paid":
        raise PaymentProviderError(str(NOT_PAID))
    return checkout


def _refunds(payment_intent_id: str) -> list[SimulatedRefund]:
    return list(
        db.session.scalars(
            select(SimulatedRefund).where(SimulatedRefund.payment_intent_id == payment_intent_id)
        )
    )


def _replayed_refund(refund: SimulatedRefund, payment_intent_id: str, amount_cents: int) -> Refund:
    """A retry with a known reference gets the first answer again, if it asks the same."""
    if refund.payment_intent_id != payment_intent_id or refund.amount_cents != amount_cents:
        raise PaymentProviderError(str(REFERENCE_REUSED))
    return _refund_value(refund)


def _refund_value(refund: SimulatedRefund) -> Refund:
    return Refund(
        id=refund.id,
        amount_cents=refund.amount_cents,
        status="succeeded",
        payment_intent_id=refund.payment_intent_id,
    )
