"""dossier_code_tail: REVERSE(UPPER(code::text)) text_pattern_ops. The back-office
search finds a dossier by the end of its code (the day's number "0009", or
"261207-0009") as a prefix of the reversed code (dossiers.queues.code_tail_q).
Built concurrently: the dossier table is large and stays writable meanwhile."""

import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("dossiers", "0015_evaluation_moments_assessment"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Reverse(
                        django.db.models.functions.text.Upper(
                            django.db.models.functions.comparison.Cast("code", models.TextField())
                        )
                    ),
                    name="text_pattern_ops",
                ),
                name="dossier_code_tail",
            ),
        ),
    ]
