from django.urls import path

from backoffice import filing_views, queue_views, views

app_name = "backoffice"
urlpatterns = [
    path("", queue_views.home, name="home"),
    path("ho-so/<uuid:ref>/", queue_views.dossier_detail, name="dossier"),
    path("ho-so/<uuid:ref>/thao-tac/<slug:action>/", queue_views.dossier_act, name="dossier-act"),
    path("ho-so/<uuid:ref>/tep/<int:pk>/", queue_views.dossier_file, name="dossier-file"),
    path(
        "ho-so/<uuid:ref>/tin-nhan/<int:pk>/tep/",
        filing_views.message_attachment,
        name="message-attachment",
    ),
    path(
        "ho-so/<uuid:ref>/bien-lai/<str:reference>.pdf",
        filing_views.payment_receipt,
        name="payment-receipt",
    ),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("xac-thuc/", views.otp_verify, name="otp-verify"),
    path("xac-thuc/dang-ky/", views.otp_enrol, name="otp-enrol"),
]
