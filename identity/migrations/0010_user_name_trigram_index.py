"""Trigram index on the normalised full name (issue 8).

The back office searches applicants by any part of their name, accents ignored
(`dossiers.queues._search_q`). It was `unaccent(full_name) ILIKE '%term%'`, which no
index serves: a parallel sequential scan of every account, 411 ms at 333 k accounts
(1 M generated dossiers), about 16 s for a city of 13 million. With a GIN trigram index
on `motcua_normalize(full_name)` (the catalogue's IMMUTABLE normaliser) the same
search reads the index. Built CONCURRENTLY: the users table is the busiest there is.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("identity", "0009_account_deactivation_and_agency_admin_group"),
        # motcua_normalize() and pg_trgm are created there.
        ("procedures", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    models.Func(
                        models.F("full_name"),
                        function="motcua_normalize",
                        output_field=models.TextField(),
                    ),
                    name="gin_trgm_ops",
                ),
                name="identity_user_name_trgm",
            ),
        ),
    ]
