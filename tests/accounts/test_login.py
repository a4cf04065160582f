from coopshop.accounts.models import Role
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
