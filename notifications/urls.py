from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("chuong/", views.bell, name="bell"),
    path("doc-het/", views.notification_read_all, name="read-all"),
    path("<int:pk>/doc/", views.notification_read, name="read"),
    path("cai-dat/", views.preferences, name="preferences"),
]
