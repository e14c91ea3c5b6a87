from django.urls import path

from backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("xac-thuc/", views.otp_verify, name="otp-verify"),
    path("xac-thuc/dang-ky/", views.otp_enrol, name="otp-enrol"),
]
