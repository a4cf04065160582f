"""A forgotten password: a link by e-mail that sets a new password, once and within the hour."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select

from coopshop.accounts.models import Role
from coopshop.extensions import db
from coopshop.mail.models import OutboxMessage
from tests.factories import TEST_PASSWORD, gen_buyer, gen_user

NEW_PASSWORD = "een nieuw en lang wachtwoord"
SAME_ANSWER = (
    "Als dit e-mailadres bij ons bekend is, ontvangt u binnen een paar minuten een e-mail met een "
    "link. De link werkt één uur."
)
USED_OR_OLD = "Deze link is verlopen of al gebruikt. Vraag een nieuwe link aan."


def outbox(app) -> list[EmailMessage]:
    folder = Path(app.config["OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]


def request_reset(client, email: str):
    return client.post("/wachtwoord-vergeten", data={"email": email}, follow_redirects=True)


def reset_link(app) -> str:
    (message,) = outbox(app)
    match = re.search(
        r"http://coopshop\.test(/wachtwoord-herstellen/[^\s]+)", message.get_content()
    )
    assert match
    return match.group(1)


def choose(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def can_log_in(client, email: str, password: str) -> bool:
    response = client.post("/inloggen", data={"email": email, "password": password})
    if response.status_code == 302:
        client.post("/uitloggen")
        return True
    return False


def queued_messages(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_known_address_gets_an_email_with_a_reset_link(app, client):
    with app.app_context():
        gen_buyer(email="jan@example.com", name="Jan Jansen")

    response = request_reset(client, "Jan@Example.com")

    assert response.status_code == 200
    assert SAME_ANSWER in response.get_data(as_text=True)
    (message,) = outbox(app)
    assert message["To"] == "jan@example.com"
    assert message["Subject"] == "Nieuw wachtwoord kiezen"
    assert "Beste Jan Jansen," in message.get_content()
    assert reset_link(app).startswith("/wachtwoord-herstellen/")


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, client):
    response = request_reset(client, "onbekend@example.com")

    assert response.status_code == 200
    assert SAME_ANSWER in response.get_data(as_text=True)
    assert outbox(app) == []
    assert queued_messages(app) == 0


def test_an_invited_user_without_a_password_gets_no_reset_email(app, client):
    with app.app_context():
        gen_user(Role.MEMBER, email="nog@example.com", password=None)

    response = request_reset(client, "nog@example.com")

    assert SAME_ANSWER in response.get_data(as_text=True)
    assert outbox(app) == []


def test_the_link_sets_a_new_password_and_the_old_one_stops_working(app, client):
    with app.app_context():
        gen_buyer(email="jan@example.com")
    request_reset(client, "jan@example.com")
    path = reset_link(app)

    assert "Kies een nieuw wachtwoord" in client.get(path).get_data(as_text=True)
    response = choose(client, path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/inloggen"
    assert can_log_in(client, "jan@example.com", NEW_PASSWORD)
    assert not can_log_in(client, "jan@example.com", TEST_PASSWORD)


def test_a_reset_link_works_only_once(app, client):
    with app.app_context():
        gen_buyer(email="jan@example.com")
    request_reset(client, "jan@example.com")
    path = reset_link(app)
    choose(client, path)

    for response in (client.get(path), choose(client, path, "weer een ander wachtwoord")):
        assert response.status_code == 400
        assert USED_OR_OLD in response.get_data(as_text=True)
    assert can_log_in(client, "jan@example.com", NEW_PASSWORD)


def test_an_expired_reset_link_is_refused(app, client):
    with app.app_context():
        gen_buyer(email="jan@example.com")
    request_reset(client, "jan@example.com")
    path = reset_link(app)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1

    for response in (client.get(path), choose(client, path)):
        assert response.status_code == 400
        assert USED_OR_OLD in response.get_data(as_text=True)
    assert can_log_in(client, "jan@example.com", TEST_PASSWORD)


def test_using_one_reset_link_makes_the_earlier_ones_useless(app, client):
    with app.app_context():
        gen_buyer(email="jan@example.com")
    request_reset(client, "jan@example.com")
    request_reset(client, "jan@example.com")
    first, second = (
        re.search(r"/wachtwoord-herstellen/[^\s]+", message.get_content()).group(0)
        for message in outbox(app)
    )

    assert choose(client, second).status_code == 302
    assert choose(client, first, "nog een ander wachtwoord").status_code == 400
    assert can_log_in(client, "jan@example.com", NEW_PASSWORD)


def test_a_new_password_must_be_long_enough(app, client):
    with app.app_context():
        gen_buyer(email="jan@example.com")
    request_reset(client, "jan@example.com")

    response = choose(client, reset_link(app), "kort")

    assert response.status_code == 200
    assert "Uw wachtwoord moet minstens 10 tekens hebben." in response.get_data(as_text=True)
    assert can_log_in(client, "jan@example.com", TEST_PASSWORD)
