"""dossier_recv_name / dossier_comp_name: (agency, applicant_name text_pattern_ops),
one per side of an official's scope. The back-office search by name is a prefix of
the normalised name within the official's agencies (dossiers.queues.name_q): a short
range of one index per agency, whatever the number of dossiers or accounts.

Built CONCURRENTLY: the dossier table is large and stays writable meanwhile."""

import django.contrib.postgres.indexes
import django.db.models.expressions
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dossiers", "0021_dossier_applicant_name")]

    operations = [
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                django.db.models.expressions.F("receiving_agency"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.expressions.F("applicant_name"), name="text_pattern_ops"
                ),
                name="dossier_recv_name",
            ),
        ),
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                django.db.models.expressions.F("competent_agency"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.expressions.F("applicant_name"), name="text_pattern_ops"
                ),
                name="dossier_comp_name",
            ),
        ),
    ]
