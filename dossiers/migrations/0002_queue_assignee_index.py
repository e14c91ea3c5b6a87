"""Index for the back-office queue "assigned to me" (dossiers.queues).

The filter is `assignee = me AND status IN (processing, awaiting approval, supplement,
payment)` ordered by `due_at NULLS LAST, id`: (assignee, status, due_at) serves it.
Partial on assignee IS NOT NULL: most dossiers (submitted, received, finished by the
desk) have none, so the index stays small. The other queues (to receive, awaiting
approval, due soon, overdue, ready to return, all) filter on the receiving or competent
agency + status + due_at, already served by `dossier_recv` / `dossier_comp` (0001).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0001_dossiers"),
        ("identity", "0005_contact_changed_event"),
        ("procedures", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["assignee", "status", "due_at"],
                name="dossier_assignee",
            ),
        ),
    ]
