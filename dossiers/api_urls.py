from django.urls import path

from dossiers.api import DossierStatusView

app_name = "dossiers-api"
urlpatterns = [
    path("<str:code>/status", DossierStatusView.as_view(), name="dossier-status"),
]
