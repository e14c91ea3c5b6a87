from django.urls import path

from portal import catalogue_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", catalogue_views.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", catalogue_views.procedure_detail, name="procedure-detail"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
]
