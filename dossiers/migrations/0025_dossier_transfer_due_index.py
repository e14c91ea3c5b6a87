"""Received dossiers by transfer deadline (the radar's late transfers), for the received
state only.

Built CONCURRENTLY: a plain CREATE INDEX would block every transition while it runs.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dossiers", "0024_dossier_applicant_name_words")]

    operations = [
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("status", "received")),
                fields=["transfer_due_at", "id"],
                name="dossier_transfer_due",
            ),
        ),
    ]
