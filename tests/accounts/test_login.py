import pytest

from coopshop.accounts.models import Role
from coopshop.accounts.services import find_user_by_email, hash_password
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from tests.conftest import login
from tests.factories import (
    TEST_PASSWORD,
    gen_buyer,
    gen_coop_admin,
    gen_cooperative,
    gen_member,
    gen_network_admin,
    gen_user,
)


def test_home_page_is_dutch_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="nl"' in response.get_data(as_text=True)


def test_each_role_lands_in_its_own_area(app, client):
    with app.app_context():
        cooperative = gen_cooperative()
        users = {
            "/netwerk/": gen_network_admin().email,
            "/cooperatie": gen_coop_admin(cooperative).email,
            "/mijn": gen_member(cooperative).user.email,
            "/account": gen_buyer().email,
        }
    for path, email in users.items():
        response = client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == path
        assert client.get(path).status_code == 200
        client.post("/uitloggen")


def test_wrong_password_is_refused_with_one_message(app, client):
    with app.app_context():
        email = gen_user(Role.BUYER).email
    response = client.post("/inloggen", data={"email": email, "password": "wrong password!"})
    unknown = client.post("/inloggen", data={"email": "nobody@example.test", "password": "x" * 12})
    assert response.status_code == unknown.status_code == 401
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.get_data(as_text=True)
    assert "Het e-mailadres of het wachtwoord klopt niet." in unknown.get_data(as_text=True)


def test_remember_me_sets_an_http_only_remember_cookie(app, client):
    with app.app_context():
        email = gen_buyer().email

    response = client.post(
        "/inloggen", data={"email": email, "password": TEST_PASSWORD, "remember": "y"}
    )

    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    remember = [cookie for cookie in cookies if cookie.startswith("remember_token=")]
    assert len(remember) == 1
    assert "HttpOnly" in remember[0]
    assert "SameSite=Lax" in remember[0]


def test_without_remember_me_no_remember_cookie_is_set(app, client):
    with app.app_context():
        email = gen_buyer().email

    response = client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    assert not [c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c]


def test_the_email_address_is_matched_whatever_its_case(app, client):
    with app.app_context():
        gen_buyer(email="sanne@example.test")

    response = client.post(
        "/inloggen", data={"email": " Sanne@EXAMPLE.test ", "password": TEST_PASSWORD}
    )

    assert response.status_code == 302


def test_logout_is_a_post_and_a_get_is_refused(app, client):
    with app.app_context():
        email = gen_buyer().email
    client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    refused = client.get("/uitloggen")
    assert refused.status_code == 405
    assert "POST" in refused.headers["Allow"]
    assert "Dit kan zo niet" in refused.get_data(as_text=True)
    assert client.get("/account").status_code == 200  # still logged in

    response = client.post("/uitloggen")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("status", ["suspended", "left"])
def test_a_suspended_or_departed_member_cannot_log_in(app, client, status):
    with app.app_context():
        email = gen_member(gen_cooperative(), status=status).user.email

    response = client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    assert response.status_code == 401
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.get_data(as_text=True)
    assert client.get("/mijn").status_code == 302


def test_a_member_on_trial_can_log_in(app, client):
    with app.app_context():
        email = gen_member(gen_cooperative(), status="trial").user.email

    response = client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/mijn"


def test_a_member_suspended_while_logged_in_is_logged_out(app, client):
    with app.app_context():
        member = gen_member(gen_cooperative())
        email, member_id = member.user.email, member.id
    client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})
    assert client.get("/mijn").status_code == 200

    with app.app_context():
        db.session.get(Member, member_id).status = "suspended"
        db.session.commit()

    response = client.get("/mijn")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


def test_a_blocked_user_cannot_log_in(app, client):
    with app.app_context():
        email = gen_buyer(blocked=True).email

    response = client.post("/inloggen", data={"email": email, "password": TEST_PASSWORD})

    assert response.status_code == 401
    assert client.get("/account").status_code == 302


def test_login_returns_to_the_page_that_asked_for_it(app, client):
    with app.app_context():
        email = gen_member(gen_cooperative()).user.email

    asked = client.get("/mijn")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/inloggen?next=%2Fmijn"
    response = client.post("/inloggen?next=/mijn", data={"email": email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/mijn"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "mijn",
    ],
)
def test_login_ignores_a_next_address_outside_this_site(app, client, target):
    with app.app_context():
        email = gen_buyer().email

    response = client.post(
        "/inloggen",
        query_string={"next": target},
        data={"email": email, "password": TEST_PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_a_new_password_ends_every_other_session(app, client):
    with app.app_context():
        email = gen_buyer().email
    other_device = app.test_client()
    login(client, email)
    login(other_device, email)
    assert other_device.get("/account").status_code == 200
    with app.app_context():
        find_user_by_email(email).password_hash = hash_password("a brand new passphrase")
        db.session.commit()
    response = other_device.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")
