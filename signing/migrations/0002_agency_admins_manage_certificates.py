"""Agency admins add and view the signing certificates of their agencies and officials:
the two permissions join their group (identity.constants.AGENCY_ADMIN_PERMISSIONS,
copied here because a migration must not change when the code does)."""

from django.db import migrations

GROUP = "Agency administrators"
PERMISSIONS = ("view_signingcertificate", "add_signingcertificate")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate`; make sure they exist now.
    app_config = apps.get_app_config("signing")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="signing", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="signing", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("identity", "0009_account_deactivation_and_agency_admin_group"),
        ("signing", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
