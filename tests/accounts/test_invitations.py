"""A coordinator invites a member by e-mail; the link lets the member choose a password, once."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from coopshop.accounts import tokens
from coopshop.accounts.models import Role, User
from coopshop.cooperatives.models import Member, MemberStatus
from coopshop.extensions import db
from tests.conftest import login
from tests.factories import TEST_PASSWORD, gen_coop_admin, gen_cooperative, gen_municipality

NEW_PASSWORD = "mijn eigen wachtwoord"
INVITEE = "sanne@example.com"
USED_OR_OLD = "Deze uitnodiging is verlopen of al gebruikt. Vraag uw coördinator om een nieuwe."


def outbox(app) -> list[EmailMessage]:
    """The e-mails written to the outbox folder, oldest first."""
    folder = Path(app.config["OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]


def link_path(message: EmailMessage, prefix: str) -> str:
    body = message.get_content()
    match = re.search(rf"http://coopshop\.test({re.escape(prefix)}[^\s]+)", body)
    assert match, body
    return match.group(1)


def invite_member(app, client) -> str:
    """A coordinator invites Sanne; returns the path of the link in the invitation e-mail."""
    with app.app_context():
        cooperative = gen_cooperative()
        municipality_id = gen_municipality().id
        admin_email = gen_coop_admin(cooperative).email
    login(client, admin_email)
    response = client.post(
        "/cooperatie/leden/uitnodigen",
        data={
            "name": "Sanne de Vries",
            "email": INVITEE,
            "municipality_id": municipality_id,
            "client_number": "KL-2026-17",
            "trade_name": "Naaiatelier Sanne",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/uitloggen")
    (message,) = outbox(app)
    return link_path(message, "/uitnodiging/")


def choose_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def invitee(app) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == INVITEE))


def test_inviting_a_member_writes_an_email_with_a_personal_link(app, client):
    path = invite_member(app, client)

    (message,) = outbox(app)
    assert message["To"] == INVITEE
    assert message["Subject"] == "Uitnodiging voor coopshop"
    body = message.get_content()
    assert "Beste Sanne de Vries," in body
    assert "De link werkt 14 dagen en maar één keer." in body
    assert re.fullmatch(r"/uitnodiging/[\w.-]+", path)
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.trade_name == "Naaiatelier Sanne"))
        assert member.status == MemberStatus.TRIAL
        assert member.user.role == Role.MEMBER
        assert member.user.password_hash is None


def test_an_invited_member_chooses_a_password_and_is_logged_in(app, client):
    path = invite_member(app, client)

    page = client.get(path)
    assert page.status_code == 200
    assert "Kies uw wachtwoord" in page.get_data(as_text=True)
    response = choose_password(client, path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/mijn"
    assert client.get("/mijn").status_code == 200
    client.post("/uitloggen")
    login(client, INVITEE, NEW_PASSWORD)


def test_an_invitation_link_works_only_once(app, client):
    path = invite_member(app, client)
    choose_password(client, path)
    client.post("/uitloggen")
    hash_after_first_use = invitee(app).password_hash

    for response in (client.get(path), choose_password(client, path, "een ander wachtwoord")):
        assert response.status_code == 400
        assert USED_OR_OLD in response.get_data(as_text=True)
    assert invitee(app).password_hash == hash_after_first_use
    assert client.get("/mijn").status_code == 302


def test_an_expired_invitation_is_refused(app, client):
    path = invite_member(app, client)
    app.config["INVITATION_MAX_AGE"] = -1

    for response in (client.get(path), choose_password(client, path)):
        assert response.status_code == 400
        assert USED_OR_OLD in response.get_data(as_text=True)
    assert invitee(app).password_hash is None


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token, user_id: token[:-2] + "xx", id="altered signature"),
        pytest.param(lambda token, user_id: "niet-een-token", id="garbage"),
        pytest.param(
            lambda token, user_id: URLSafeTimedSerializer(
                "a-key-an-attacker-might-guess", salt="coopshop-invitation"
            ).dumps({"user": user_id, "fp": token}),
            id="signed with another key",
        ),
    ],
)
def test_a_forged_invitation_is_refused(app, client, forge):
    path = invite_member(app, client)
    token = path.removeprefix("/uitnodiging/")
    forged = forge(token, invitee(app).id)

    response = choose_password(client, f"/uitnodiging/{forged}")

    assert response.status_code == 400
    assert USED_OR_OLD in response.get_data(as_text=True)
    assert invitee(app).password_hash is None


def test_a_password_reset_link_is_no_invitation(app, client):
    invite_member(app, client)
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == INVITEE))
        reset_token = tokens.make_token(user, tokens.PASSWORD_RESET)

    response = choose_password(client, f"/uitnodiging/{reset_token}")

    assert response.status_code == 400
    assert invitee(app).password_hash is None


def test_an_invited_member_cannot_log_in_before_choosing_a_password(app, client):
    invite_member(app, client)

    for password in ("", TEST_PASSWORD, "coopshop-timing-equaliser"):
        response = client.post("/inloggen", data={"email": INVITEE, "password": password})
        assert response.status_code != 302
    assert client.get("/mijn").status_code == 302


def test_inviting_an_address_that_has_an_account_is_refused(app, client):
    with app.app_context():
        cooperative = gen_cooperative()
        municipality_id = gen_municipality().id
        gen_coop_admin(cooperative, email="coordinator@example.com")
    login(client, "coordinator@example.com")

    response = client.post(
        "/cooperatie/leden/uitnodigen",
        data={
            "name": "Nog een keer",
            "email": "Coordinator@Example.com",
            "municipality_id": municipality_id,
            "client_number": "KL-1",
            "trade_name": "Dubbel",
        },
    )

    assert response.status_code == 200
    assert "Er is al een account met dit e-mailadres." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Member)).all() == []
    assert outbox(app) == []
