from django.core.management import call_command
from django.core.management.base import BaseCommand

from dossiers.demo import DEMO_PASSWORD, account_lines, seed_all
from feedback.demo import seed_feedback
from notifications.demo import deliver_demo_notifications


class Command(BaseCommand):
    help = "Load the demo catalogue, agencies, accounts and dossiers. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--list-accounts",
            action="store_true",
            help="Only print the demo accounts and their password.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print only a summary.")

    def handle(self, *args, list_accounts=False, quiet=False, **options):
        if not list_accounts:
            seed_all(stdout=self.stdout)
            seed_feedback(stdout=self.stdout)
            # After the dossiers: their events become the demo accounts' notifications.
            deliver_demo_notifications(stdout=self.stdout)
            # The statistics pages and /minh-bach/ read the summary, not the dossiers.
            call_command("refresh_statistics", stdout=self.stdout)
        if list_accounts or not quiet:
            self.stdout.write(f"password for every demo account: {DEMO_PASSWORD}")
            for line in account_lines():
                self.stdout.write(line)
