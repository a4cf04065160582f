"""Outgoing e-mail, queued in the same transaction as the change that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.extensions import db
from coopshop.models_base import created_at_column


class OutboxMessage(db.Model):
    """An e-mail waiting to be sent, or sent.

    Either ``body_text`` holds the text, or ``body_render_kind`` and ``body_render_key`` name
    what to render when the message is delivered (the e-mails of a payment confirmation), so
    that the transaction queueing it does not pay for rendering it. The text is stored once
    rendered, so a retried delivery sends the very same message.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(
            "body_text IS NOT NULL OR (body_render_kind IS NOT NULL AND body_render_key IS NOT NULL)",
            name="body_or_renderer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_render_kind: Mapped[str | None] = mapped_column(String(40))
    body_render_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

    attachments: Mapped[list[OutboxAttachment]] = relationship(order_by="OutboxAttachment.id")


class OutboxAttachment(db.Model):
    """A file sent with an outbox message.

    Either ``content`` holds the bytes, or ``render_kind`` and ``render_key`` name what to
    render when the message is delivered (an invoice PDF, say), so a web request that queues
    the message does not pay for rendering it. The bytes are stored once rendered, so a retried
    delivery sends the very same file.
    """

    __tablename__ = "outbox_attachment"
    __table_args__ = (
        CheckConstraint(
            "content IS NOT NULL OR (render_kind IS NOT NULL AND render_key IS NOT NULL)",
            name="content_or_renderer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    render_kind: Mapped[str | None] = mapped_column(String(40))
    render_key: Mapped[str | None] = mapped_column(String(255))
