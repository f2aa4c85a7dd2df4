from django.urls import path

from backups import views

app_name = "backups"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_page, name="search"),
    path("devices/<int:pk>/", views.device_versions, name="device"),
    path("devices/<int:pk>/backup/", views.backup_now, name="backup_now"),
    path("devices/<int:pk>/latest-diff/", views.latest_diff, name="latest_diff"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/download/", views.version_download, name="version_download"),
    path("diff/<int:old>/<int:new>/", views.version_diff, name="diff"),
    path("compare/", views.compare_pick, name="compare"),
    path("schedules/", views.schedule_list, name="schedule_list"),
    path("schedules/new/", views.schedule_create, name="schedule_create"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
    path("schedules/<int:pk>/run/", views.schedule_run_now, name="schedule_run_now"),
]
