"""Search query plans: which index serves which part of the catalogue search, and
fresh planner statistics for databases whose catalogue was imported without ANALYZE.

Measured with EXPLAIN ANALYZE on the 2,642-name catalogue:

- Full-text match (`search_vector @@ to_tsquery('simple', 'khai:* & sinh:*')`):
  GIN index `procedure_search_vector`. GIN, not GiST: the catalogue is read far more
  than written, GIN lookups are exact (no recheck of lossy signatures) and it handles
  the prefix (`:*`) queries citizens type. On 2,642 rows the planner rightly prefers
  a sequential scan (1-3 ms either way: the whole table is 330 pages); on a copy
  40 times larger it switches to a bitmap scan on this index (4 ms against a
  sequential scan of ~100 ms), so the cost stays flat as the catalogue grows.
- Typo tolerance (`search_document %> 'khai snh'`) and code prefixes
  (`search_document LIKE '1.000894%'`): trigram GIN index `procedure_search_trgm`.
  GIN over GiST for the same reason; we never need GiST's distance ordering (`<->`)
  since results are ranked by a combined score anyway.
- "Has a published version" (EXISTS in every public query): the partial unique
  index `one_published_version_per_procedure` (procedure_id WHERE status =
  'published'), read as an index-only scan; no extra index needed.

The slow plan is not a missing index but missing statistics: right after a bulk
import (autovacuum not yet run) PostgreSQL takes the version table for nearly empty,
starts from it and probes every procedure by primary key, several times slower than
after ANALYZE. `procedures.importer.catalogue_analyze` runs ANALYZE after every import
that changed something; this migration does it once for databases imported without.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "ANALYZE procedures_procedure, procedures_procedureversion",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
