"""Recompute the agency's own evaluation (`dossiers.services.dossier_assess`) of the
dossiers finished in a period: after a fix of the rules, or for dossiers finished
before the evaluation existed. Idempotent: an unchanged assessment is not rewritten."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, DossierAssessment
from procedures.calendar import WorkingCalendar

BATCH = 500


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Recompute the assessment of the dossiers finished between --from and --to."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: today)")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: --from)")

    def handle(self, *args, start=None, end=None, **options):
        first = _day(start) if start else timezone.localdate()
        last = _day(end) if end else first
        if last < first:
            raise CommandError("--to is before --from.")
        tz = timezone.get_current_timezone()
        since = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
        until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        dossiers = (
            Dossier.objects.filter(
                status__in=services.ASSESSED, finished_at__gte=since, finished_at__lt=until
            )
            .only("pk", "status", "channel", "due_at", "finished_at")
            .order_by("pk")
        )
        calendar = WorkingCalendar.load()
        seen = changed = 0
        for dossier in dossiers.iterator(chunk_size=BATCH):
            stamp = (
                DossierAssessment.objects.filter(dossier=dossier)
                .values_list("computed_at", flat=True)
                .first()
            )
            with transaction.atomic():
                assessment = services.dossier_assess(dossier, calendar=calendar)
            seen += 1
            changed += assessment is not None and assessment.computed_at != stamp
        self.stdout.write(
            f"{seen} dossiers assessed, {changed} assessments written ({first} to {last})."
        )
