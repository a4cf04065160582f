"""Queue e-mail in the outbox and deliver it."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select

from coopshop.extensions import db
from coopshop.mail.models import OutboxMessage
from coopshop.models_base import utcnow


def queue_email(recipient: str, subject: str, template: str, **context: object) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` and add it to the outbox (caller commits)."""
    body = render_template(f"mail/{template}.txt", **context)
    message = OutboxMessage(recipient=recipient, subject=subject, body_text=body)
    db.session.add(message)
    return message


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@coopshop>"
    email.set_content(message.body_text)
    return email


def deliver_pending(limit: int = 100) -> int:
    """Send what the outbox holds; a failure is recorded and retried on the next run."""
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = 0
    for message in pending:
        message.attempts += 1
        try:
            send(build_email(message), message.id)
        except (OSError, smtplib.SMTPException) as error:
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
