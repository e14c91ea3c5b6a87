"""Count the queue tally afresh from the dossier table (dossiers.tally)."""

from django.core.management.base import BaseCommand

from dossiers import tally
from dossiers.models import QueueTally


class Command(BaseCommand):
    help = (
        "Count the back-office queue tally afresh from the dossiers (after a bulk load "
        "that bypassed the dossier table's triggers). Submissions and actions wait "
        "while it runs."
    )

    def handle(self, *args, **options):
        tally.rebuild()
        rows = QueueTally.objects.count()
        self.stdout.write(f"queue tally: {rows} rows")
