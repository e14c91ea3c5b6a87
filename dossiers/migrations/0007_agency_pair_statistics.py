"""Extended statistics on (receiving agency, competent agency).

The "all dossiers of my agencies" tab shows the planner's row estimate above a
threshold (`dossiers.queues.queue_counts`). Its condition is
`receiving_agency IN (...) OR competent_agency IN (...)`; without these statistics
PostgreSQL treats the two columns as independent and adds both sides, while most
dossiers are received and decided by the same agency, so it estimates about twice a
ward's real count. With the most-common-values list of the pairs the estimate comes
within about a tenth. ANALYZE fills them at once instead of at the next autovacuum.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0006_merged_choices")]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE STATISTICS IF NOT EXISTS dossier_agency_pairs (mcv) "
                "ON receiving_agency_id, competent_agency_id FROM dossiers_dossier",
                "ANALYZE dossiers_dossier",
            ],
            reverse_sql=["DROP STATISTICS IF EXISTS dossier_agency_pairs"],
        ),
    ]
