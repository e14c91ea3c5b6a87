from django.urls import path

from backoffice import bulk_views, export_views, queue_views, views

app_name = "backoffice"
urlpatterns = [
    path("", queue_views.home, name="home"),
    path("hang-loat/", bulk_views.bulk_apply, name="bulk"),
    path("xuat/", export_views.queue_export, name="export"),
    path("xuat/cua-toi/", export_views.my_exports, name="exports"),
    path("xuat/cua-toi/<int:pk>/", export_views.export_download, name="export-download"),
    path("so-theo-doi/", export_views.register, name="register"),
    path("ho-so/<uuid:ref>/", queue_views.dossier_detail, name="dossier"),
    path("ho-so/<uuid:ref>/thao-tac/<slug:action>/", queue_views.dossier_act, name="dossier-act"),
    path("ho-so/<uuid:ref>/tep/<int:pk>/", queue_views.dossier_file, name="dossier-file"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("xac-thuc/", views.otp_verify, name="otp-verify"),
    path("xac-thuc/dang-ky/", views.otp_enrol, name="otp-enrol"),
]
