"""Indexes of the partner API's list of changes (dossiers.queues.partner): filed
dossiers per receiving and per competent agency in (updated_at, id) order, so a page
after a cursor is one range scan per side whatever the size of the table.

Built CONCURRENTLY: on a table of millions of rows a plain CREATE INDEX would block
every submission and transition while it runs.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dossiers", "0018_alter_dossierlog_action")]

    operations = [
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("status__in", ["draft", "discarded"]), _negated=True),
                fields=["receiving_agency", "updated_at", "id"],
                name="dossier_recv_updated",
            ),
        ),
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("status__in", ["draft", "discarded"]), _negated=True),
                fields=["competent_agency", "updated_at", "id"],
                name="dossier_comp_updated",
            ),
        ),
    ]
