"""Fill the dossiers' normalised applicant names left empty (dossiers.applicant_names)."""

from django.core.management.base import BaseCommand, CommandError

from dossiers import applicant_names


class Command(BaseCommand):
    help = (
        "Fill each dossier's normalised applicant name where it is still empty, in short "
        "batches by primary key (the table stays writable). Safe to rerun or interrupt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=applicant_names.BATCH)

    def handle(self, *args, batch, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        filled = applicant_names.backfill(batch=batch)
        self.stdout.write(f"applicant names filled: {filled}")
