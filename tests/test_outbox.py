"""The outbox: e-mail is queued with the change that causes it, then written to files or sent
by SMTP; a failed delivery is recorded and tried again, never lost and never fatal."""

from __future__ import annotations

import smtplib
import ssl
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from coopshop.extensions import db
from coopshop.mail.models import OutboxMessage
from coopshop.mail.services import (
    Email,
    RenderLater,
    deliver_pending,
    queue_email,
    queue_emails,
    register_body_renderer,
)
from tests.factories import gen_buyer


def queue_reset_mails(app, *recipients: str) -> list[int]:
    """Queue a password-reset e-mail for each recipient and commit; returns the message ids."""
    with app.test_request_context():
        messages = [
            queue_email(
                recipient,
                "Nieuw wachtwoord kiezen",
                "password_reset",
                user=gen_buyer(email=recipient, name="Jan Jansen"),
                link="http://coopshop.test/wachtwoord-herstellen/abc",
            )
            for recipient in recipients
        ]
        db.session.commit()
        return [message.id for message in messages]


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def deliver(app) -> int:
    with app.app_context():
        return deliver_pending()


def outbox_files(app) -> list[Path]:
    folder = Path(app.config["OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_without_a_mail_server_messages_are_written_as_numbered_eml_files(app):
    ids = queue_reset_mails(app, "jan@example.com", "piet@example.com")

    assert deliver(app) == 2

    files = outbox_files(app)
    assert [path.name for path in files] == [f"{message_id:08d}.eml" for message_id in ids]
    first = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert first["To"] == "jan@example.com"
    assert first["From"] == "coopshop <noreply@coopshop.localhost>"
    assert first["Subject"] == "Nieuw wachtwoord kiezen"
    assert first["Message-ID"] == f"<outbox-{ids[0]}@coopshop>"
    body = first.get_content()
    assert "Beste Jan Jansen," in body
    assert "http://coopshop.test/wachtwoord-herstellen/abc" in body
    assert "De link werkt één uur en maar één keer." in body


def test_a_delivered_message_is_marked_sent_and_not_sent_again(app):
    queue_reset_mails(app, "jan@example.com")
    deliver(app)

    (message,) = messages(app)
    assert message.sent_at is not None
    assert message.attempts == 1
    assert message.last_error is None
    assert deliver(app) == 0
    assert len(outbox_files(app)) == 1


def test_an_unreachable_mail_server_is_recorded_and_retried_later(app):
    queue_reset_mails(app, "jan@example.com")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)

    assert deliver(app) == 0
    assert deliver(app) == 0

    (message,) = messages(app)
    assert message.sent_at is None
    assert message.attempts == 2
    assert message.last_error
    assert outbox_files(app) == []


def test_a_message_that_failed_before_is_sent_on_a_later_run(app):
    queue_reset_mails(app, "jan@example.com")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    deliver(app)

    app.config["MAIL_SERVER"] = ""
    assert deliver(app) == 1

    (message,) = messages(app)
    assert message.sent_at is not None
    assert message.attempts == 2
    assert message.last_error is None
    assert len(outbox_files(app)) == 1


def test_a_message_queued_in_a_rolled_back_transaction_is_never_sent(app):
    with app.test_request_context():
        queue_email(
            "jan@example.com", "Onderwerp", "password_reset", user=gen_buyer(), link="http://x"
        )
        db.session.rollback()

    assert deliver(app) == 0
    assert messages(app) == []
    assert outbox_files(app) == []


class FakeSMTP:
    """Stands in for ``smtplib.SMTP`` and remembers what the outbox asked of it."""

    sessions: list[FakeSMTP] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.tls_context: ssl.SSLContext | None = None
        self.credentials: tuple[str, str] | None = None
        self.sent: list = []
        FakeSMTP.sessions.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def starttls(self, context: ssl.SSLContext | None = None) -> None:
        self.tls_context = context

    def login(self, user: str, password: str) -> None:
        self.credentials = (user, password)

    def send_message(self, email) -> None:  # type: ignore[no-untyped-def]
        self.sent.append(email)


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.sessions = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_with_a_mail_server_messages_go_out_over_verified_tls(app, fake_smtp):
    queue_reset_mails(app, "jan@example.com")
    app.config.update(
        MAIL_SERVER="smtp.example.nl",
        MAIL_PORT=587,
        MAIL_USERNAME="coopshop",
        MAIL_PASSWORD="geheim",
    )

    assert deliver(app) == 1

    (session,) = fake_smtp.sessions
    assert (session.host, session.port) == ("smtp.example.nl", 587)
    assert session.tls_context is not None
    assert session.tls_context.verify_mode == ssl.CERT_REQUIRED
    assert session.tls_context.check_hostname is True
    assert session.credentials == ("coopshop", "geheim")
    (email,) = session.sent
    assert email["To"] == "jan@example.com"
    assert outbox_files(app) == []
    (message,) = messages(app)
    assert message.sent_at is not None


def queue_later(app, kind: str, key: str) -> None:
    with app.app_context():
        queue_emails([Email("jan@example.com", "Later geschreven", RenderLater(kind, key))])
        db.session.commit()


def test_a_body_rendered_later_is_written_at_delivery_and_kept(app):
    calls = []

    def greeting(key: str) -> str:
        calls.append(key)
        return f"Hallo {key}, geschreven bij het versturen."

    register_body_renderer("greeting", greeting, app)
    queue_later(app, "greeting", "Jan")
    (queued,) = messages(app)
    assert (queued.body_text, queued.body_render_kind, queued.body_render_key) == (
        None,
        "greeting",
        "Jan",
    )

    assert deliver(app) == 1

    [path] = outbox_files(app)
    sent = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert (
        sent.get_body(("plain",)).get_content().strip()
        == "Hallo Jan, geschreven bij het versturen."
    )
    (message,) = messages(app)
    assert message.body_text == "Hallo Jan, geschreven bij het versturen."
    assert calls == ["Jan"]


def test_a_body_that_cannot_be_rendered_stays_in_the_outbox_with_its_error(app):
    register_body_renderer("broken", lambda key: 1 / 0, app)
    queue_later(app, "broken", "x")
    queue_later(app, "unknown", "y")

    assert deliver(app) == 0

    broken, unknown = messages(app)
    assert (broken.sent_at, broken.attempts, broken.body_text) == (None, 1, None)
    assert "division by zero" in broken.last_error
    assert unknown.last_error == "no body renderer for 'unknown'"
    assert outbox_files(app) == []
