from django.urls import path

from backoffice import queue_views, views

app_name = "backoffice"
urlpatterns = [
    path("", queue_views.home, name="home"),
    path("ho-so/<uuid:ref>/", queue_views.dossier_detail, name="dossier"),
    path("ho-so/<uuid:ref>/thao-tac/<slug:action>/", queue_views.dossier_act, name="dossier-act"),
    path("ho-so/<uuid:ref>/tep/<int:pk>/", queue_views.dossier_file, name="dossier-file"),
    path("ho-so/<uuid:ref>/mau/<int:pk>.pdf", queue_views.issued_document, name="issued-document"),
    path("ho-so/<uuid:ref>/mau-06.pdf", queue_views.control_sheet, name="control-sheet"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("xac-thuc/", views.otp_verify, name="otp-verify"),
    path("xac-thuc/dang-ky/", views.otp_enrol, name="otp-enrol"),
]
