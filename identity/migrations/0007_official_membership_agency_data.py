"""Fill OfficialMembership.agency from the old agency codes.

Memberships naming a code no agency has gave no usable rights (the back office's
queues already ignored them), so they are removed; each removal is written to the
account audit log as a revoked role, so nobody loses a role without a trace.
"""

from django.db import migrations


def codes_to_agencies(apps, schema_editor):
    Agency = apps.get_model("procedures", "Agency")
    OfficialMembership = apps.get_model("identity", "OfficialMembership")
    AccountEvent = apps.get_model("identity", "AccountEvent")
    ids = dict(Agency.objects.values_list("code", "pk"))
    for membership in OfficialMembership.objects.all().iterator():
        agency_id = ids.get(membership.agency_code.strip())
        if agency_id is None:
            AccountEvent.objects.create(
                user_id=membership.user_id,
                actor_display="migration identity.0007",
                kind="role_revoked",
                data={
                    "agency_code": membership.agency_code,
                    "role": membership.role,
                    "reason": "no agency has this code",
                },
            )
            membership.delete()
            continue
        membership.agency_id = agency_id
        membership.save(update_fields=["agency"])


def agencies_to_codes(apps, schema_editor):
    OfficialMembership = apps.get_model("identity", "OfficialMembership")
    for membership in OfficialMembership.objects.select_related("agency").iterator():
        membership.agency_code = membership.agency.code
        membership.save(update_fields=["agency_code"])


class Migration(migrations.Migration):
    dependencies = [("identity", "0006_official_membership_agency_fk")]

    operations = [migrations.RunPython(codes_to_agencies, agencies_to_codes)]
