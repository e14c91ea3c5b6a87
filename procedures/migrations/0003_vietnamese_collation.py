"""A `vietnamese` collation, and the names of fields and agencies sorted by it.

Vietnamese alphabetical order puts Ă and Â after A and Đ after D as letters of their
own. ICU knows it (`vi-x-icu`); Debian's PostgreSQL is built with ICU, the embedded
fallback server (scripts/services.py) is not. So the collation is created from the
best one the server has: `vi-x-icu`, else the root ICU order `und-x-icu`, else "C"
(code-point order, which still puts every Vietnamese letter after the plain ones).
The collation keeps one name, so models and queries never ask which one it is.
"""

from django.db import migrations, models

CREATE_COLLATION = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'vietnamese') THEN
        RETURN;
    ELSIF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'vi-x-icu') THEN
        CREATE COLLATION vietnamese FROM "vi-x-icu";
    ELSIF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
        CREATE COLLATION vietnamese FROM "und-x-icu";
    ELSE
        CREATE COLLATION vietnamese FROM "C";
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0002_search_statistics"),
    ]

    operations = [
        migrations.RunSQL(CREATE_COLLATION, reverse_sql="DROP COLLATION IF EXISTS vietnamese"),
        migrations.AlterField(
            model_name="agency",
            name="name",
            field=models.CharField(db_collation="vietnamese", max_length=300, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="agencyevent",
            name="name",
            field=models.CharField(db_collation="vietnamese", max_length=300, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="field",
            name="name",
            field=models.CharField(db_collation="vietnamese", max_length=300, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="fieldevent",
            name="name",
            field=models.CharField(db_collation="vietnamese", max_length=300, verbose_name="name"),
        ),
    ]
