"""`manage.py import_procedures PATH [PATH...]` and `--names FILE.jsonl`."""

from django.core.management.base import BaseCommand, CommandError

from procedures.importer import Report, import_names, import_paths
from procedures.services import catalogue_cache_clear


class Command(BaseCommand):
    help = (
        "Import national-catalogue procedure records (JSON files or folders; one record per "
        "file or a JSON array) and/or the light list of names (--names FILE.jsonl). "
        "Idempotent; one transaction per record; exits non-zero when a record failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="JSON files or folders of JSON files")
        parser.add_argument("--names", action="append", default=[], help="JSONL list of names")

    def handle(self, *args, paths, names, verbosity=1, **options):
        if not paths and not names:
            raise CommandError("Give at least one PATH or --names FILE.")
        report = Report()
        if paths:
            import_paths(paths, report)
        for path in names:
            import_names(path, report)
        catalogue_cache_clear()  # belt and braces: the signal receivers cover save()
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        for failure in report.failures:
            self.stderr.write(self.style.ERROR(f"failed: {failure}"))
        self.stdout.write(report.summary())
        if report.failed:
            raise CommandError(f"{report.failed} record(s) failed", returncode=1)
