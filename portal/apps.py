from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Citizen-facing pages. Interface only: no models; writes go through domain services."""

    name = "portal"
    verbose_name = _("Public portal")
