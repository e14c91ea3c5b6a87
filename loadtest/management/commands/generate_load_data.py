from django.core.management.base import BaseCommand, CommandError

from loadtest.generator import LoadGenerator


class Command(BaseCommand):
    help = (
        "Fill the database with invented citizens and dossiers in every state, with "
        "their log, files (metadata only), messages, evaluations, payments, "
        "consultations and feedback, for load benchmarks; then refreshes the statistics. "
        "Run after seed_demo or import_procedures. Never on production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, required=True, help="How many dossiers.")
        parser.add_argument(
            "--citizens", type=int, default=None, help="How many citizens (default: a third)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (repeatable mix).")
        parser.add_argument("--years", type=int, default=4, help="Spread of filing dates.")
        parser.add_argument(
            "--batch", type=int, default=10_000, help="Dossiers per transaction (COPY batch)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help=(
                "Processes building batches (default 1: on two cores the rows' trip between "
                "processes costs more than the second builder gains)."
            ),
        )
        parser.add_argument(
            "--indexes",
            choices=("auto", "rebuild", "keep"),
            default="auto",
            help=(
                "Drop the big tables' secondary indexes for the load and build them again "
                "after it: 'auto' when the load is at least as large as the dossiers "
                "already there (superuser runs only)."
            ),
        )
        parser.add_argument(
            "--no-statistics",
            action="store_true",
            help="Skip the statistics refresh at the end (run refresh_statistics later).",
        )

    def handle(
        self,
        *args,
        dossiers,
        citizens,
        seed,
        years,
        batch,
        workers,
        indexes,
        no_statistics,
        **options,
    ):
        if dossiers < 1 or (citizens is not None and citizens < 1) or batch < 1 or workers < 1:
            raise CommandError("--dossiers, --citizens, --batch and --workers must be positive.")
        try:
            report = LoadGenerator(
                dossiers=dossiers,
                citizens=citizens,
                seed=seed,
                years=years,
                batch=batch,
                workers=workers,
                indexes=indexes,
                statistics=not no_statistics,
                stdout=self.stdout,
            ).run()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"done: {report.dossiers} dossiers, {report.citizens} citizens, "
            f"{report.log_rows} log rows, {report.files} files, {report.messages} messages, "
            f"{report.ratings} ratings, {report.payments} payments, "
            f"{report.consultations} consultations, {report.feedback} feedback "
            f"in {report.seconds:.1f}s ({report.rate:,.0f} dossiers/s)"
        )
        if not no_statistics:
            self.stdout.write(
                f"statistics: {report.summary_rows} summary rows refreshed "
                f"in {report.statistics_seconds:.1f}s"
            )
        for status, count in sorted(report.by_status.items()):
            self.stdout.write(f"  {status}: {count}")
