"""Autovacuum for the queue tally at a fixed number of dead rows.

The compaction (dossiers.tally) deletes and rewrites rows every minute, so the small
table collects dead rows quickly; with the default scale factor (20 % of the live
rows) autovacuum would wait for them, and a ward's count would read thousands of
buffers for its hundred-odd live rows. At a fixed threshold it is vacuumed about as
often as it is compacted, and a read visits a few pages.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0009_queue_tally")]

    operations = [
        migrations.RunSQL(
            sql=(
                "ALTER TABLE dossiers_queuetally SET ("
                "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, "
                "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000)"
            ),
            reverse_sql=(
                "ALTER TABLE dossiers_queuetally RESET ("
                "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
                "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)"
            ),
        ),
    ]
