from django.urls import path

from ipam import views

app_name = "ipam"

urlpatterns = [
    path("", views.index, name="index"),
]
