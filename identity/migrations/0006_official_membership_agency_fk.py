"""OfficialMembership.agency_code (a validated code) becomes a foreign key to Agency.

Three steps (add, convert, drop) in three migrations: PostgreSQL refuses to alter a
table that still has deferred foreign-key checks pending from the data step.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0005_contact_changed_event"),
        ("procedures", "0004_frozen_versions"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="officialmembership", name="identity_official_membership"
        ),
        migrations.AddField(
            model_name="officialmembership",
            name="agency",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="official_memberships",
                to="procedures.agency",
                verbose_name="agency",
            ),
        ),
        # Blank allowed so that going back can refill the codes from the agencies.
        migrations.AlterField(
            model_name="officialmembership",
            name="agency_code",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
    ]
