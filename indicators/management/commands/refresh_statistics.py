"""`manage.py refresh_statistics [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: the summary
table brought up to date at once (idempotent: each day is rewritten whole)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from indicators import demand, periods, radar_refresh, refresh


class Command(BaseCommand):
    help = "Rewrite the daily summary of the statistics (default: every day with dossiers)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", help="Last day, YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes refreshing the past days, a week each at a time (2 on two cores).",
        )

    def handle(self, *args, start=None, end=None, workers=1, **options):
        today = timezone.localdate()
        try:
            last = periods.parse_date(end, "--to") if end else today
            first = periods.parse_date(start, "--from") if start else refresh.first_day()
        except periods.PeriodError as error:
            raise CommandError(str(error)) from None
        # The radar's open dossiers are summarised whatever the range asked.
        open_rows = radar_refresh.refresh_open()
        self.stdout.write(f"Open dossiers summarised for the radar: {open_rows} rows.")
        if first is None:
            self.stdout.write("No dossier was received yet: nothing to count.")
            return
        if last < first:
            raise CommandError("--to is before --from.")
        if workers < 1:
            raise CommandError("--workers must be positive.")
        rows = refresh.refresh(first, last, workers=workers)
        # A bulk rewrite (after a load or a migration) changes much of the summary
        # tables at once; the beat's two days do not.
        if (last - first).days > 31:
            refresh.analyze()
        self.stdout.write(f"Statistics refreshed from {first} to {last}: {rows} summary rows.")
        changed = demand.procedure_demand_refresh()
        self.stdout.write(f"Dossiers of the last 90 days counted for the search: {changed}.")
