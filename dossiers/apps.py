from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from dossiers import outbox, partner

        outbox.register(partner.PartnerSubscriber())
        outbox.register_configured()
