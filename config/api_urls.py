"""/api/v1/: every app's API routes, one namespace ("api"). OpenAPI 3 at /api/schema/."""

from django.urls import include, path

from indicators.api import AgencyStatisticsView

app_name = "api"
urlpatterns = [
    path("", include("procedures.api.urls")),
    path("", include("api.urls")),
    path("statistics/agencies/", AgencyStatisticsView.as_view(), name="statistics-agencies"),
]
