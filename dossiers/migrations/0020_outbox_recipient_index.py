"""One recipient's deliveries, newest first: a webhook subscription's history for its
client and admin, and the per-dossier order check of a subscription.

Built CONCURRENTLY: the outbox takes a row per event and recipient, and a plain CREATE
INDEX would block every transition while it runs.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dossiers", "0019_partner_api_updated_indexes")]

    operations = [
        AddIndexConcurrently(
            model_name="outboxdelivery",
            index=models.Index(fields=["subscriber", "recipient", "-id"], name="outbox_recipient"),
        ),
    ]
