import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("identity", "0007_official_membership_agency_data")]

    operations = [
        migrations.RemoveField(model_name="officialmembership", name="agency_code"),
        migrations.AlterField(
            model_name="officialmembership",
            name="agency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="official_memberships",
                to="procedures.agency",
                verbose_name="agency",
            ),
        ),
        migrations.AlterModelOptions(
            name="officialmembership",
            options={
                "ordering": ["agency_id", "role"],
                "verbose_name": "official membership",
                "verbose_name_plural": "official memberships",
            },
        ),
        migrations.AddConstraint(
            model_name="officialmembership",
            constraint=models.UniqueConstraint(
                fields=("user", "agency", "role"), name="identity_official_membership"
            ),
        ),
    ]
