"""Dossier.applicant_name: the applicant's name as the back-office search compares it.

Added nullable (no table rewrite), kept in step by a trigger on the account table
(dossiers.applicant_names), then filled in batches by primary key, each its own
transaction: the migration is not atomic so that a big table is never locked for the
whole backfill. `manage.py backfill_applicant_names` does the same and can be rerun.
The trigger comes first so that no rename between the batches is missed.
"""

from django.db import migrations, models

from dossiers import applicant_names


def backfill(apps, schema_editor):
    applicant_names.backfill(words=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("dossiers", "0020_outbox_recipient_index"),
        ("identity", "0010_user_name_trigram_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="applicant_name",
            field=models.TextField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="applicant's name, normalised",
            ),
        ),
        migrations.RunSQL(
            applicant_names.RENAMED_TRIGGER_V1_SQL,
            reverse_sql=applicant_names.RENAMED_TRIGGER_DROP_SQL,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
