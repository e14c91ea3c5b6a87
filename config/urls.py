from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path

from api.views import DocsView, SchemaView
from config import error_pages, health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(), name="api-docs"),
    # The product's error pages, in development only (the view answers 404 without DEBUG).
    re_path(r"^__loi/(?P<status>400|404|500)/$", error_pages.preview, name="error-preview"),
    path("mot-cua/", include("backoffice.urls")),
    path("thong-bao/", include("notifications.urls")),
    path("api/v1/dossiers/", include("dossiers.api_urls")),
    # Single sign-on with the national identity platform (mozilla-django-oidc).
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("", include("portal.urls")),
]

if settings.BENCH_FLOOR:
    # The load benchmark's floor (bench/): off unless BENCH_FLOOR is set.
    from loadtest import views as bench_views

    urlpatterns.insert(0, path("bench/floor/", bench_views.floor, name="bench-floor"))

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
