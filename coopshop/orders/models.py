"""Carts, orders, their lines, refunds and the status events of every change.

An order keeps a snapshot of everything it sold (title, unit price including VAT, VAT rate,
member, cooperative, delivery choice and shipping cost), so a later edit of a listing changes
nothing about it. ``order_event`` is append-only (the migration installs triggers): it is the
history of who changed what, when and why, written in the transaction of each change.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.extensions import db
from coopshop.models_base import created_at_column, utcnow

if TYPE_CHECKING:
    from coopshop.catalogue.models import Listing


class OrderState(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class LineState(StrEnum):
    PENDING = "pending"  # waiting for the payment
    OPEN = "open"  # paid; the member has not answered yet
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    VOID = "void"  # never paid: the payment expired or failed


class StockState(StrEnum):
    NONE = "none"  # made to order: there is no stock to hold
    RESERVED = "reserved"
    SOLD = "sold"
    RELEASED = "released"


class Delivery(StrEnum):
    PICKUP = "pickup"
    SHIPPING = "shipping"
    ON_SITE = "on_site"
    ONLINE = "online"


class RefundState(StrEnum):
    # Flushed before the provider is asked, so the provider's event can find it; a refused
    # refund is rolled back with everything else and never stays in this state.
    REQUESTED = "requested"
    DONE = "done"  # refunded, credit note issued and booked


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class CartItem(db.Model):
    """A logged-in user's cart line; a guest's cart lives in the session instead."""

    __tablename__ = "cart_item"
    __table_args__ = (
        UniqueConstraint("user_id", "listing_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(_in("delivery", Delivery), name="delivery_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    delivery: Mapped[str] = mapped_column(String(10))
    added_at: Mapped[datetime] = created_at_column()


class Order(db.Model):
    """What a buyer ordered and paid, with the contact and invoice details they gave."""

    __tablename__ = "shop_order"
    __table_args__ = (
        CheckConstraint(_in("state", OrderState), name="state_known"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        CheckConstraint("paid_cents IS NULL OR paid_cents >= 0", name="paid_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown to the buyer and sent to the payment provider as the payment's reference.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=OrderState.AWAITING_PAYMENT)

    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    street: Mapped[str] = mapped_column(String(160))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(80))
    buyer_kind: Mapped[str] = mapped_column(String(20))
    company_name: Mapped[str | None] = mapped_column(String(160))
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    vat_id: Mapped[str | None] = mapped_column(String(20))
    purchase_order_reference: Mapped[str | None] = mapped_column(String(80))
    terms_accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    total_cents: Mapped[int] = mapped_column(BigInteger)
    # Stored, so that a retry of the payment sends the provider identical parameters.
    payment_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    paid_cents: Mapped[int | None] = mapped_column(BigInteger)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", lazy="selectin"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", viewonly=True
    )
    refunds: Mapped[list[OrderRefund]] = relationship(order_by="OrderRefund.id", viewonly=True)

    def __repr__(self) -> str:
        return f"<Order {self.reference} {self.state}>"


class OrderLine(db.Model):
    """One listing in an order, as it was sold, and how far its member has handled it."""

    __tablename__ = "order_line"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint(_in("state", LineState), name="state_known"),
        CheckConstraint(_in("stock_state", StockState), name="stock_state_known"),
        CheckConstraint(_in("delivery", Delivery), name="delivery_known"),
        CheckConstraint("vat_rate IN ('21', '9', '0', 'exempt')", name="vat_rate_known"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        CheckConstraint("shipping_cents >= 0", name="shipping_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    member_name: Mapped[str] = mapped_column(String(120))
    cooperative_name: Mapped[str] = mapped_column(String(160))
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[str] = mapped_column(String(6))
    quantity: Mapped[int] = mapped_column(Integer)
    delivery: Mapped[str] = mapped_column(String(10))
    shipping_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(12), default=LineState.PENDING)
    stock_state: Mapped[str] = mapped_column(String(10))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    invoice_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_line.id"))
    shipping_invoice_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_line.id"))

    order: Mapped[Order] = relationship(back_populates="lines")
    listing: Mapped[Listing] = relationship()

    @property
    def goods_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.shipping_cents

    def __repr__(self) -> str:
        return f"<OrderLine {self.order_id}:{self.position} {self.state}>"


class OrderEvent(db.Model):
    """One change of an order or a line: who (and in which role), when, from, to, and why."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"), index=True)
    at: Mapped[datetime] = created_at_column()
    # Empty for the buyer of a guest order and for the payment provider (see ``actor_role``).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="events")


class OrderRefund(db.Model):
    """Money given back on a line (or, for a payment that came too late, on the whole order).

    ``reference`` is derived from local ids (``refund:<line id>:<n>``) and is the provider's
    idempotency key, so a retry after a crash never refunds twice.
    """

    __tablename__ = "order_refund"
    __table_args__ = (
        UniqueConstraint("order_line_id", "sequence"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(_in("state", RefundState), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=RefundState.REQUESTED)
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # Set when the provider's charge.refunded event confirms the refund.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = created_at_column()
