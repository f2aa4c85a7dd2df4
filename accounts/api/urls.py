from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import tokens, views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("tokens", tokens.APITokenViewSet, basename="apitoken")

urlpatterns = [
    path("token", views.ObtainView.as_view(), name="token_obtain"),
    path("refresh", views.RefreshView.as_view(), name="token_refresh"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("me", views.MeView.as_view(), name="me"),
    path("password", views.PasswordView.as_view(), name="password"),
    *router.urls,
]
