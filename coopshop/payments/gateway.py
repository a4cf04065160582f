"""The payment gateway's contract: plain values in and out, named errors, the choice of backend.

Nothing here knows about orders. A caller passes a ``reference`` (its own stable id for one
payment attempt, such as ``order-12-attempt-1``) and ``metadata`` with its local ids; the
reference makes retries idempotent and travels in the metadata, so every event about the
payment can be traced back by the caller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l

from coopshop.config import ConfigError
from coopshop.errors import DomainError

CURRENCY = "eur"
PAYMENT_METHOD_TYPES = ("ideal", "card")
CHECKOUT_STATUSES = ("open", "complete", "expired")
PAYMENT_STATUSES = ("unpaid", "paid", "no_payment_required")
# Stripe accepts a Checkout Session's expires_at from 30 minutes to 24 hours after creation.
MIN_EXPIRY_MINUTES, MAX_EXPIRY_MINUTES = 30, 24 * 60
# Stripe's metadata limits: 50 keys of at most 40 characters, values of at most 500.
MAX_METADATA_KEYS, MAX_METADATA_KEY_LENGTH, MAX_METADATA_VALUE_LENGTH = 50, 40, 500


class PaymentProviderError(DomainError):
    """The payment provider failed, refused or could not be reached; nothing was charged."""

    status_code = 502
    default_message = _l(
        "De betaaldienst reageert niet. Er is niets afgeschreven. "
        "Probeer het over een paar minuten opnieuw."
    )


class AmountMismatch(PaymentProviderError):
    """The amount (or currency) the provider read back is not what was asked. Never continue."""

    default_message = _l(
        "Het bedrag bij de betaaldienst klopt niet met het gevraagde bedrag. "
        "We zijn gestopt en er is niets afgeschreven. Neem contact met ons op."
    )


class InvalidSignature(DomainError):
    """A webhook's signature is missing, wrong or too old, or its body is not an event."""

    status_code = 400
    default_message = _l("Dit bericht van de betaaldienst is niet echt of te oud.")


@dataclass(frozen=True)
class CheckoutItem:
    """One line on the payment page: a name, a unit price in cents including VAT, a quantity."""

    name: str
    unit_amount_cents: int
    quantity: int

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a checkout item needs a name")
        if type(self.unit_amount_cents) is not int or self.unit_amount_cents < 0:
            raise ValueError(
                f"unit_amount_cents must be cents >= 0, got {self.unit_amount_cents!r}"
            )
        if type(self.quantity) is not int or self.quantity < 1:
            raise ValueError(f"quantity must be a whole number >= 1, got {self.quantity!r}")

    @property
    def total_cents(self) -> int:
        return self.unit_amount_cents * self.quantity


@dataclass(frozen=True)
class CheckoutSession:
    """A hosted payment page as the provider reports it. ``url`` is None once it is closed."""

    id: str
    url: str | None
    status: str
    payment_status: str
    amount_total_cents: int
    currency: str
    payment_intent_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    expires_at: int | None = None

    @property
    def is_paid(self) -> bool:
        return self.status == "complete" and self.payment_status in ("paid", "no_payment_required")


@dataclass(frozen=True)
class Refund:
    id: str
    amount_cents: int
    status: str
    payment_intent_id: str


@dataclass(frozen=True)
class VerifiedEvent:
    """An event whose signature was checked; ``data_object`` is the event's ``data.object``."""

    id: str
    type: str
    created: int
    data_object: dict


class PaymentGateway(Protocol):
    """What the features may ask of a payment provider; Stripe and the simulator both do it."""

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
    ) -> CheckoutSession: ...

    def retrieve_checkout(self, session_id: str) -> CheckoutSession: ...

    def expire_checkout(self, session_id: str) -> CheckoutSession: ...

    def refund(
        self, *, payment_intent_id: str, amount_cents: int, reference: str, metadata: dict[str, str]
    ) -> Refund: ...

    def parse_event(self, payload: bytes, signature_header: str | None) -> VerifiedEvent: ...


def get_gateway() -> PaymentGateway:
    """Stripe when ``STRIPE_SECRET_KEY`` is set, otherwise the built-in simulator.

    Raises ConfigError when a Stripe key is set without ``STRIPE_WEBHOOK_SECRET``: payments
    would be taken but never confirmed.
    """
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        from coopshop.payments.simulator import Simulator

        return Simulator()
    if not config.get("STRIPE_WEBHOOK_SECRET"):
        raise ConfigError("STRIPE_WEBHOOK_SECRET must be set together with STRIPE_SECRET_KEY.")
    from coopshop.payments.stripe_gateway import StripeGateway

    return StripeGateway(
        secret_key=config["STRIPE_SECRET_KEY"],
        webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
        api_base=config.get("STRIPE_API_BASE") or "",
    )


def checkout_idempotency_key(reference: str) -> str:
    return f"checkout:{reference}"


def refund_idempotency_key(reference: str) -> str:
    return f"refund:{reference}"


def total_cents(items: list[CheckoutItem]) -> int:
    """The amount a checkout must come to; raises ValueError for an empty list."""
    if not items:
        raise ValueError("a checkout needs at least one item")
    return sum(item.total_cents for item in items)


def payment_metadata(reference: str, metadata: dict[str, str]) -> dict[str, str]:
    """The caller's metadata plus ``reference``, checked against Stripe's limits (ValueError)."""
    if not reference or len(reference) > MAX_METADATA_VALUE_LENGTH:
        raise ValueError(f"a reference of 1 to 500 characters is required, got {reference!r}")
    merged = {**metadata, "reference": reference}
    if len(merged) > MAX_METADATA_KEYS:
        raise ValueError(f"at most {MAX_METADATA_KEYS} metadata keys")
    for key, value in merged.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"metadata keys and values must be text: {key!r}={value!r}")
        if not 0 < len(key) <= MAX_METADATA_KEY_LENGTH or "[" in key or "]" in key:
            raise ValueError(f"metadata key {key!r} is not allowed")
        if len(value) > MAX_METADATA_VALUE_LENGTH:
            raise ValueError(f"metadata value for {key!r} is longer than 500 characters")
    return merged


def default_expires_at(now: float | None = None) -> int:
    """``CHECKOUT_EXPIRY_MINUTES`` from now plus a minute's margin, rounded up to the minute.

    The margin keeps Stripe's 30-minute minimum when our clock or the request is a little
    late (and never passes its 24-hour maximum); rounding makes a retry within the same minute
    send identical parameters, as Stripe refuses an idempotency key reused with other ones.
    A caller that retries later should pass its own ``expires_at``, derived from its record.
    Raises ConfigError when the setting is outside Stripe's 30 minutes to 24 hours.
    """
    minutes = int(current_app.config.get("CHECKOUT_EXPIRY_MINUTES", MIN_EXPIRY_MINUTES))
    if not MIN_EXPIRY_MINUTES <= minutes <= MAX_EXPIRY_MINUTES:
        raise ConfigError("CHECKOUT_EXPIRY_MINUTES must be between 30 and 1440.")
    start = int(now if now is not None else time.time())
    rounded_up = -(-(start + (minutes + 1) * 60) // 60) * 60
    latest = (start + MAX_EXPIRY_MINUTES * 60) // 60 * 60
    return min(rounded_up, latest)
