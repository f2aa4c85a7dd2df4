from django.urls import path

from netkeep.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("active/", views.active, name="active"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
]
