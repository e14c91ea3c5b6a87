"""Extended statistics on (receiving agency, competent agency) (issue 8).

The "all dossiers of my agencies" tab shows the planner's row estimate above a
threshold (`dossiers.queues.queue_counts`). Its condition is
`receiving_agency IN (...) OR competent_agency IN (...)`; without these statistics
PostgreSQL treats the two columns as independent and adds both sides, while most
dossiers are received and decided by the same agency: at 320 k dossiers it estimated
38,346 rows for a ward that has 18,588 (2x). With the most-common-values list of
the pairs the estimate was 20,496. ANALYZE fills them now instead of at the next
autovacuum.
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
