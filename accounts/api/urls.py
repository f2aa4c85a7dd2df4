from django.urls import path

from accounts.api import views

urlpatterns = [
    path("token", views.ObtainView.as_view(), name="token_obtain"),
    path("refresh", views.RefreshView.as_view(), name="token_refresh"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("me", views.MeView.as_view(), name="me"),
    path("password", views.PasswordView.as_view(), name="password"),
]
