from django.core.management.base import BaseCommand, CommandError

from dossiers.integrity import verify_chains
from dossiers.models import Dossier, DossierLog


class Command(BaseCommand):
    help = "Recompute the hash chains of the dossier log; exit 1 on any broken link."

    def add_arguments(self, parser):
        parser.add_argument("--dossier", metavar="CODE", help="Check only this dossier.")

    def handle(self, *args, dossier=None, **options):
        ids = None
        if dossier:
            ids = list(Dossier.objects.filter(code=dossier).values_list("pk", flat=True))
            if not ids:
                raise CommandError(f"No dossier with code {dossier}.")
        codes = {}
        broken = 0
        for link in verify_chains(dossier_ids=ids):
            if link.dossier_id not in codes:
                codes[link.dossier_id] = (
                    Dossier.objects.filter(pk=link.dossier_id)
                    .values_list("code", flat=True)
                    .first()
                    or f"#{link.dossier_id}"
                )
            self.stderr.write(f"BROKEN {codes[link.dossier_id]} entry {link.seq}: {link.reason}")
            broken += 1
        qs = (
            DossierLog.objects.all()
            if ids is None
            else DossierLog.objects.filter(dossier_id__in=ids)
        )
        checked = qs.count()
        if broken:
            raise CommandError(f"{broken} broken link(s) in {checked} log entries.", returncode=1)
        self.stdout.write(f"OK: {checked} log entries, every chain intact.")
