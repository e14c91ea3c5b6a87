from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from django.db.models.signals import post_save

        from dossiers import outbox, queues
        from dossiers.models import Dossier

        post_save.connect(queues.dossier_saved, sender=Dossier, dispatch_uid="queue-counts")

        outbox.register_configured()
