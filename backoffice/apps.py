from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """Official-facing pages. Interface only: no models; writes go through domain services."""

    name = "backoffice"
    verbose_name = _("One-stop back office")
