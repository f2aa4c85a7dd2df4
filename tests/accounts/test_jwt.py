"""API authentication: JWT obtain, refresh with rotation, logout, me, password change."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Role, User
from accounts.permissions import PASSWORD_CHANGE_REQUIRED
from accounts.tokens import PASSWORD_CLAIM
from tests.conftest import PASSWORD, bearer, make_user, token_for

NEW_PASSWORD = "a-completely-new-passphrase"


def _me(access: str) -> int:
    return bearer(APIClient(), access).get("/api/auth/me").status_code


def test_me_says_who_the_token_belongs_to(erin: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    response = client.get("/api/auth/me")
    assert response.status_code == 200
    assert response.json() == {"username": "erin", "role": "editor", "must_change_password": False}


def test_the_api_refuses_a_missing_or_forged_token(erin: User) -> None:
    assert APIClient().get("/api/auth/me").status_code == 401
    access = token_for(APIClient(), "erin")["access"]
    forged = access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB")
    assert _me(forged) == 401


def test_an_access_token_issued_before_a_password_change_is_refused_after_it(erin: User) -> None:
    tokens = token_for(APIClient(), "erin")
    client = bearer(APIClient(), tokens["access"])
    assert client.get("/api/auth/me").status_code == 200
    response = client.post(
        "/api/auth/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 204
    # Same second as the change: the token is refused all the same (password claim).
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert "before the password was changed" in response.json()["detail"]
    # So is its refresh token, and the old password.
    assert APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401
    assert (
        APIClient().post("/api/auth/token", {"username": "erin", "password": PASSWORD}).status_code
        == 401
    )
    # A token obtained right after the change works, in the same second or later.
    assert _me(token_for(APIClient(), "erin", NEW_PASSWORD)["access"]) == 200


def test_a_password_reset_by_an_admin_in_the_web_revokes_the_users_tokens(
    admin_client, erin: User
) -> None:  # type: ignore[no-untyped-def]
    tokens = token_for(APIClient(), "erin")
    response = admin_client.post(
        f"/users/{erin.pk}/password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _me(tokens["access"]) == 401
    assert APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_a_token_without_the_password_claim_is_judged_by_its_issue_time(erin: User) -> None:
    # Tokens from before the password claim existed carry only `iat`, in whole seconds.
    token = AccessToken.for_user(erin)
    assert PASSWORD_CLAIM not in token
    assert _me(str(token)) == 200
    erin.password_changed_at = timezone.now() + timedelta(seconds=2)
    erin.save()
    assert _me(str(token)) == 401
    erin.password_changed_at = timezone.now() - timedelta(seconds=2)
    erin.save()
    assert _me(str(token)) == 200


def test_a_refresh_token_works_once_then_is_refused(erin: User) -> None:
    first = token_for(APIClient(), "erin")["refresh"]
    response = APIClient().post("/api/auth/refresh", {"refresh": first}, format="json")
    assert response.status_code == 200
    second = response.json()
    assert second["refresh"] != first and _me(second["access"]) == 200
    reused = APIClient().post("/api/auth/refresh", {"refresh": first}, format="json")
    assert reused.status_code == 401
    # The rotated one still works.
    again = APIClient().post("/api/auth/refresh", {"refresh": second["refresh"]}, format="json")
    assert again.status_code == 200


def test_logout_blacklists_the_refresh_token(erin: User) -> None:
    tokens = token_for(APIClient(), "erin")
    client = bearer(APIClient(), tokens["access"])
    response = client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 205
    refused = APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401
    # Logging out twice is an error that says so.
    response = client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 400


def test_nobody_can_log_out_someone_elses_refresh_token(erin: User, victor: User) -> None:
    erins = token_for(APIClient(), "erin")
    victors_client = bearer(APIClient(), token_for(APIClient(), "victor")["access"])
    response = victors_client.post("/api/auth/logout", {"refresh": erins["refresh"]}, format="json")
    assert response.status_code == 400
    assert APIClient().post("/api/auth/refresh", {"refresh": erins["refresh"]}).status_code == 200


def test_a_deactivated_user_cannot_refresh_or_use_tokens(erin: User) -> None:
    tokens = token_for(APIClient(), "erin")
    erin.is_active = False
    erin.save()
    assert _me(tokens["access"]) == 401
    assert APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_the_api_answers_password_change_required_until_it_is_changed(db: None) -> None:
    make_user("boot", Role.ADMIN, must_change_password=True)
    client = bearer(APIClient(), token_for(APIClient(), "boot")["access"])
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["must_change_password"] is True
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 403
    assert response.json()["detail"] == PASSWORD_CHANGE_REQUIRED
    response = client.post(
        "/api/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    assert User.objects.get(username="boot").must_change_password is False
    fresh = bearer(APIClient(), token_for(APIClient(), "boot", NEW_PASSWORD)["access"])
    assert fresh.get("/api/schema/?format=json").status_code == 200


def test_the_api_password_change_refuses_the_same_password(erin: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    response = client.post(
        "/api/auth/password", {"old_password": PASSWORD, "new_password": PASSWORD}
    )
    assert response.status_code == 400
    assert "must differ" in response.json()["new_password"][0]


def test_the_api_password_change_checks_the_old_password(erin: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    response = client.post(
        "/api/auth/password", {"old_password": "not-it-at-all", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json()["old_password"] == ["The current password is not correct."]
    erin.refresh_from_db()
    assert erin.check_password(PASSWORD)
