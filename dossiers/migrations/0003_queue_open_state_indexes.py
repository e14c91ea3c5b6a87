"""Partial indexes on the open states for the back-office queues.

Without them a ward's "overdue" queue (status IN running states AND due_at < now AND
(receiving agency = X OR competent agency = X), ORDER BY due_at NULLS LAST, id) is a
BitmapOr of `dossier_recv` and `dossier_comp`, indexes over every dossier ever filed
(finished ones are ~90 % after a few years). The queues and their counts only ever look at
open dossiers (submitted .. result ready), a few percent of the table:

- `dossier_recv_open` (receiving_agency, status, due_at, id) WHERE status IN open:
  "to receive" and "ready to return" (receiving agency + one status, in due order,
  `id` as the keyset tie-break so no sort step is needed), and the receiving half of
  "due soon", "overdue" and "waiting";
- `dossier_comp_open` (competent_agency, status, due_at, id) WHERE status IN open:
  the competent half of those, and "awaiting approval".

Both stay about as big as the open workload whatever the history, so they stay in
memory at 1 M and 10 M dossiers. The full `dossier_recv` / `dossier_comp` remain for
the "all dossiers" queue and the register.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_queue_assignee_index"),
        ("identity", "0005_contact_changed_event"),
        ("procedures", "0004_frozen_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "submitted",
                            "received",
                            "processing",
                            "awaiting_approval",
                            "supplement_requested",
                            "awaiting_payment",
                            "result_ready",
                        ],
                    )
                ),
                fields=["receiving_agency", "status", "due_at", "id"],
                name="dossier_recv_open",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "submitted",
                            "received",
                            "processing",
                            "awaiting_approval",
                            "supplement_requested",
                            "awaiting_payment",
                            "result_ready",
                        ],
                    )
                ),
                fields=["competent_agency", "status", "due_at", "id"],
                name="dossier_comp_open",
            ),
        ),
    ]
