from django.test import Client

from tests.conftest import PASSWORD


def test_it_forces_a_bootstrap_password_change_then_shows_home(db, settings):
    from accounts.models import Role, User

    user = User(username="boot", role=Role.ADMIN, must_change_password=True)
    user.set_password("bootstrap-password-1")
    user.save()
    client = Client()
    response = client.post("/login/", {"username": "boot", "password": "bootstrap-password-1"})
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/account/password/"
    response = client.post(
        "/account/password/",
        {
            "old_password": "bootstrap-password-1",
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
