import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class ApiConfig(AppConfig):
    """The partner REST API (/api/v1/): API clients scoped to agencies, calling the same
    services as the back office. An interface: its only models are its clients, their
    call log, the intake keys and the webhook subscriptions; every dossier write goes
    through `dossiers.services`."""

    name = "api"
    verbose_name = _("Partner API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from api import schema, webhooks  # noqa: F401  (schema: the key's OpenAPI scheme)
        from dossiers import outbox

        outbox.register(webhooks.WebhookSubscriber())
        post_migrate.connect(national_portal_after_migrate, sender=self, dispatch_uid="np-hook")


def national_portal_after_migrate(**kwargs):
    """Every deploy runs `migrate`: the national portal's subscription follows the
    PARTNER_SYNC_* settings from then on. A refused URL must not stop the deploy; it
    is logged, and `manage.py webhook_national_portal` says why."""
    from django.core.exceptions import ValidationError

    from api import webhooks

    try:
        webhooks.national_portal_sync()
    except ValidationError as error:
        logger.error("PARTNER_SYNC_URL: the national portal's webhook is not set up: %s", error)
