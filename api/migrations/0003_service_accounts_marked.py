from django.db import migrations


def mark(apps, schema_editor):
    User = apps.get_model("identity", "User")
    ApiClient = apps.get_model("api", "ApiClient")
    User.objects.filter(pk__in=ApiClient.objects.values("user_id")).update(is_service_account=True)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_webhooks"),
        ("identity", "0013_user_is_service_account"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
