"""Trigram index on the normalised full name.

The back office searches applicants by any part of their name, accents ignored
(`dossiers.queues.search_q`). Written as `unaccent(full_name) ILIKE '%term%'`, no
index serves it: a parallel sequential scan of every account, seconds for a city of
13 million. With a GIN trigram index on `motcua_normalize(full_name)` (the catalogue's
IMMUTABLE normaliser) the same search reads the index. Built CONCURRENTLY: the users
table is the busiest there is.
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
        # One applicant's name checked against a LIKE pattern, for a name so common
        # that the queue is walked in page order and each row's applicant checked
        # (dossiers.queues.name_q). A function, not a subquery: PostgreSQL gives a
        # boolean function a selectivity of 1/3 and so walks the ordered index until
        # the page is full; it rated the subquery's LIKE at a fraction of a percent
        # and read and sorted the agency's whole history instead.
        migrations.RunSQL(
            """
            CREATE OR REPLACE FUNCTION motcua_name_like(account bigint, pattern text)
            RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE COST 50 AS $$
              SELECT motcua_normalize(full_name) LIKE pattern FROM identity_user WHERE id = account
            $$
            """,
            "DROP FUNCTION IF EXISTS motcua_name_like(bigint, text)",
        ),
        # Statistics of the indexed expression: without them PostgreSQL guesses a
        # handful of matches for every name and reads the index even for a family
        # name that a third of the accounts share, where a scan stopped early by the
        # LIMIT is cheaper (dossiers.queues.name_q).
        migrations.RunSQL("ANALYZE identity_user", migrations.RunSQL.noop, elidable=True),
    ]
