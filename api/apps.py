from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The partner REST API (/api/v1/): API clients scoped to agencies, calling the same
    services as the back office. An interface: its only models are its clients, their
    call log and the intake keys; every dossier write goes through `dossiers.services`."""

    name = "api"
    verbose_name = _("Partner API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from api import schema  # noqa: F401  (registers the key's OpenAPI scheme)
