"""Dossier.applicant_name_words: the normalised name's word-suffixes after its first
word, so that the back-office search finds a person by the given names alone ("thu
ha" of "nguyen thi thu ha"), indexed with the agency (dossier_recv_words /
dossier_comp_words, GIN through btree_gin).

As migrations 0021 and 0022 did for the name: the column is added nullable (no table
rewrite); the account table's trigger is taught to write it (before the backfill, so
that no rename between the batches is missed); the rows are filled in batches by
primary key, each its own transaction; the indexes are built CONCURRENTLY, the table
staying writable. `manage.py backfill_applicant_names` fills them too and can be rerun.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

from dossiers import applicant_names


def backfill(apps, schema_editor):
    applicant_names.backfill()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dossiers", "0023_issued_document_written_by_worker")]

    operations = [
        migrations.RunSQL(
            applicant_names.WORDS_FUNCTION_SQL,
            reverse_sql=applicant_names.WORDS_FUNCTION_DROP_SQL,
        ),
        migrations.AddField(
            model_name="dossier",
            name="applicant_name_words",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.TextField(),
                blank=True,
                editable=False,
                null=True,
                size=None,
                verbose_name="applicant's last words of the name, normalised",
            ),
        ),
        migrations.RunSQL(
            applicant_names.RENAMED_TRIGGER_SQL,
            reverse_sql=applicant_names.RENAMED_TRIGGER_V1_SQL,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        AddIndexConcurrently(
            model_name="dossier",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["receiving_agency", "applicant_name_words"],
                name="dossier_recv_words",
                fastupdate=False,
            ),
        ),
        AddIndexConcurrently(
            model_name="dossier",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["competent_agency", "applicant_name_words"],
                name="dossier_comp_words",
                fastupdate=False,
            ),
        ),
    ]
