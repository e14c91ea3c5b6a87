"""`manage.py webhook_national_portal`: set up the national portal's status push."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api import webhooks


class Command(BaseCommand):
    help = (
        "Create or update the national portal's webhook subscription from PARTNER_SYNC_URL "
        "and PARTNER_SYNC_SECRET (also done after every migrate)."
    )

    def handle(self, *args, **options):
        try:
            subscription = webhooks.national_portal_sync()
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if subscription is None:
            self.stdout.write("PARTNER_SYNC_URL is empty: nothing to set up.")
            return
        self.stdout.write(
            f"National portal subscription {subscription.ref}: {subscription.url} "
            f"(status changes on the national list)."
        )
