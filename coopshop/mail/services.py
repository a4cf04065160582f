"""Queue e-mail in the outbox and deliver it."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from coopshop.bulk_insert import insert_rows
from coopshop.bulk_returning import insert_rows_returning
from coopshop.extensions import db
from coopshop.mail.models import OutboxAttachment, OutboxMessage
from coopshop.models_base import utcnow

RENDERERS_KEY = "coopshop.mail.attachment_renderers"
BODY_RENDERERS_KEY = "coopshop.mail.body_renderers"


@dataclass(frozen=True)
class RenderLater:
    """An attachment's content, or a message's body, made at delivery time by the renderer
    registered for ``kind``, from ``key`` (text that says what to render)."""

    kind: str
    key: str


# (filename, mimetype, the bytes or what to render at delivery)
Attachment = tuple[str, str, bytes | RenderLater]
Renderer = Callable[[str], bytes]
BodyRenderer = Callable[[str], str]


class RenderingFailed(RuntimeError):
    """An attachment or a message body could not be made; the message stays in the outbox
    and is tried again."""


def register_attachment_renderer(kind: str, renderer: Renderer, app: Flask | None = None) -> None:
    """Let ``RenderLater(kind, key)`` attachments be made by ``renderer(key)`` at delivery.

    Features register their own (orders: invoice PDFs), so mail imports none of them.
    """
    (app or current_app).extensions.setdefault(RENDERERS_KEY, {})[kind] = renderer


def register_body_renderer(kind: str, renderer: BodyRenderer, app: Flask | None = None) -> None:
    """Let a message whose body is ``RenderLater(kind, key)`` be written by
    ``renderer(key)`` at delivery (orders: the e-mails of a payment confirmation)."""
    (app or current_app).extensions.setdefault(BODY_RENDERERS_KEY, {})[kind] = renderer


def template_path(template: str) -> str:
    """``"invitation"`` is ``mail/invitation.txt``; a path with a slash is taken as it is,
    so a feature can keep its e-mails in its own folder (``orders/mail/confirmation.txt``)."""
    return template if "/" in template else f"mail/{template}.txt"


def queue_email(
    recipient: str,
    subject: str,
    template: str,
    *,
    attachments: Sequence[Attachment] = (),
    **context: object,
) -> OutboxMessage:
    """Render the template and add it, with its attachments, to the outbox (caller commits)."""
    email = render_email(recipient, subject, template, attachments=attachments, **context)
    message = OutboxMessage(recipient=recipient, subject=subject, body_text=email.body_text)
    for filename, mimetype, content in email.attachments:
        later = content if isinstance(content, RenderLater) else None
        message.attachments.append(
            OutboxAttachment(
                filename=filename,
                mimetype=mimetype,
                content=None if later else content,
                render_kind=later.kind if later else None,
                render_key=later.key if later else None,
            )
        )
    db.session.add(message)
    return message


@dataclass(frozen=True)
class Email:
    """An e-mail ready for :func:`queue_emails`: its body rendered, or to render at delivery."""

    recipient: str
    subject: str
    body_text: str | RenderLater
    attachments: Sequence[Attachment] = ()


def render_email(
    recipient: str,
    subject: str,
    template: str,
    *,
    attachments: Sequence[Attachment] = (),
    **context: object,
) -> Email:
    """Render the template as :func:`queue_email` does, without queueing it yet."""
    body = render_template(template_path(template), **context)
    return Email(recipient, subject, body, tuple(attachments))


def queue_emails(emails: Sequence[Email]) -> None:
    """Add rendered e-mails to the outbox (caller commits).

    Core INSERTs, no objects: the messages without attachments in one statement, those
    with attachments in one returning their ids, and all attachments in one more.
    """
    messages, attachments = OutboxMessage.__table__, OutboxAttachment.__table__
    created = utcnow()

    def row(email: Email) -> dict[str, object]:
        later = email.body_text if isinstance(email.body_text, RenderLater) else None
        return {
            "recipient": email.recipient,
            "subject": email.subject,
            "body_text": None if later else email.body_text,
            "body_render_kind": later.kind if later else None,
            "body_render_key": later.key if later else None,
            "created_at": created,
            "sent_at": None,
            "attempts": 0,
            "last_error": None,
        }

    insert_rows(messages, [row(email) for email in emails if not email.attachments])
    with_attachments = [email for email in emails if email.attachments]
    if not with_attachments:
        return
    message_ids = _inserted_ids(messages, [row(email) for email in with_attachments])
    attachment_rows = [
        {
            "message_id": message_id,
            "filename": filename,
            "mimetype": mimetype,
            "content": None if isinstance(content, RenderLater) else content,
            "render_kind": content.kind if isinstance(content, RenderLater) else None,
            "render_key": content.key if isinstance(content, RenderLater) else None,
        }
        for email, message_id in zip(with_attachments, message_ids, strict=True)
        for filename, mimetype, content in email.attachments
    ]
    if all(row["content"] is None for row in attachment_rows):
        insert_rows(attachments, attachment_rows)
    else:  # bytes do not travel as JSON
        db.session.execute(insert(attachments), attachment_rows)


def _inserted_ids(messages: Any, rows: list[dict[str, object]]) -> list[int]:
    """Insert the messages; their new ids in the order of ``rows``.

    Matched back by recipient and subject when those tell the rows apart (one statement on
    every database); otherwise in the order of the rows, which SQLAlchemy guarantees by
    inserting row by row where the database does not keep RETURNING in order (SQLite).
    """
    keys = [(row["recipient"], row["subject"]) for row in rows]
    if len(set(keys)) < len(keys):
        returning = insert(messages).returning(messages.c.id, sort_by_parameter_order=True)
        return list(db.session.scalars(returning, rows))
    ids = {
        (recipient, subject): id_
        for recipient, subject, id_ in insert_rows_returning(
            messages, rows, ("recipient", "subject", "id")
        )
    }
    return [ids[key] for key in keys]


def attachment_content(attachment: OutboxAttachment) -> bytes:
    """The attachment's bytes, rendered (and kept) now if it was queued to render later.

    Raises RenderingFailed when no renderer is registered for its kind or the renderer fails.
    """
    if attachment.content is None:
        later = RenderLater(attachment.render_kind or "", attachment.render_key or "")
        attachment.content = _rendered(RENDERERS_KEY, "attachment", later, attachment.filename)
    return attachment.content


def body_text(message: OutboxMessage) -> str:
    """The message's text, rendered (and kept) now if it was queued to render later.

    Raises RenderingFailed (the message stays in the outbox) when no renderer is registered
    for its kind or the renderer fails.
    """
    if message.body_text is None:
        later = RenderLater(message.body_render_kind or "", message.body_render_key or "")
        message.body_text = _rendered(BODY_RENDERERS_KEY, "body", later, f"message {message.id}")
    return message.body_text


def _rendered(registry: str, what: str, later: RenderLater, label: str) -> Any:
    """What the renderer registered in ``registry`` for ``later.kind`` makes of its key."""
    renderer = current_app.extensions.get(registry, {}).get(later.kind)
    if renderer is None:
        raise RenderingFailed(f"no {what} renderer for {later.kind!r}")
    try:
        return renderer(later.key)
    except Exception as error:  # whatever went wrong, the other messages still go out
        raise RenderingFailed(f"{label}: {error}") from error


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@coopshop>"
    email.set_content(body_text(message))
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mimetype.partition("/")
        email.add_attachment(
            attachment_content(attachment),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


def deliver_pending(limit: int = 100) -> int:
    """Send what the outbox holds; a failure is recorded and retried on the next run."""
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
        .options(selectinload(OutboxMessage.attachments))
        .limit(limit)
    ).all()
    sent = 0
    for message in pending:
        message.attempts += 1
        try:
            send(build_email(message), message.id)
        except (OSError, smtplib.SMTPException, RenderingFailed) as error:
            message.last_error = str(error)[:500]
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
    db.session.commit()
    return sent


def send(email: EmailMessage, message_id: int) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        outbox_dir = Path(config["OUTBOX_DIR"])
        outbox_dir.mkdir(parents=True, exist_ok=True)
        (outbox_dir / f"{message_id:08d}.eml").write_bytes(email.as_bytes())
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            # Without a context, smtplib does not check the server's certificate.
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
