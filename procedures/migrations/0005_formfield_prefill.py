from django.db import migrations, models

# The applicant fields the catalogue already had, by the keys the demo catalogue gives
# them (procedures/demo.py PERSON_FIELDS), with the type each must have.
STANDARD_KEYS = [
    ("ho_ten", "text", "full_name"),
    ("so_dinh_danh", "personal_id", "id_number"),
    ("ngay_sinh", "date", "birth_date"),
    ("dien_thoai", "phone", "phone"),
    ("thu_dien_tu", "email", "email"),
    ("dia_chi", "address", "permanent_address"),
]


def fill_standard_keys(apps, schema_editor):
    """Published versions are frozen by a trigger (FrozenVersionContent). The new
    column says where a field starts filled in for new drafts; it changes nothing
    any filed dossier holds, so the trigger is set aside for this one statement."""
    with schema_editor.connection.cursor() as cursor:
        # ALTER TABLE refuses a table with deferred checks pending in the transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'procedures_formfield'::regclass "
            "AND tgname LIKE 'pgtrigger_frozen_content_%%'"
        )
        names = [row[0] for row in cursor.fetchall()]
        for name in names:
            cursor.execute(f'ALTER TABLE procedures_formfield DISABLE TRIGGER "{name}"')
        for key, kind, source in STANDARD_KEYS:
            cursor.execute(
                "UPDATE procedures_formfield SET prefill = %s "
                "WHERE key = %s AND type = %s AND prefill = ''",
                [source, key, kind],
            )
        for name in names:
            cursor.execute(f'ALTER TABLE procedures_formfield ENABLE TRIGGER "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0004_frozen_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="formfield",
            name="prefill",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Nothing (the applicant types it)"),
                    ("full_name", "Applicant's full name (population registry)"),
                    ("id_number", "Applicant's personal ID number (population registry)"),
                    ("birth_date", "Applicant's date of birth (population registry)"),
                    ("sex", "Applicant's sex (population registry)"),
                    ("permanent_address", "Applicant's permanent address (population registry)"),
                    ("phone", "Applicant's phone number (account)"),
                    ("email", "Applicant's email address (account)"),
                    ("enterprise_code", "Business's enterprise code (account)"),
                    ("business_name", "Business's name (account)"),
                    ("legal_representative", "Business's legal representative (account)"),
                ],
                default="",
                help_text=(
                    "What the applicant's account already knows: the field starts filled in. "
                    "Facts of the population registry are checked against a verified account."
                ),
                max_length=20,
                verbose_name="filled in from",
            ),
        ),
        migrations.RunPython(fill_standard_keys, migrations.RunPython.noop),
    ]
