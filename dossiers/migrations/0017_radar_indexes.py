"""Indexes of the bottleneck radar (indicators.radar).

- `dossier_open_waiting`: open dossiers in the order of their last transition
  (`updated_at`, which `dossier_transition` sets with the log row), so the longest
  waiting are the first rows of an index scan, not a sort of every open dossier. The
  agencies are included in the index: a scoped radar filters them without visiting the
  table.
- `consult_asking_open`: the asking agency's open consultations, oldest first.

Built CONCURRENTLY: on a table of millions of rows a plain CREATE INDEX would block
every submission and transition while it runs.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dossiers", "0016_code_tail_search")]

    operations = [
        AddIndexConcurrently(
            model_name="consultation",
            index=models.Index(
                condition=models.Q(status="open"),
                fields=["asking_agency", "asked_at", "id"],
                name="consult_asking_open",
            ),
        ),
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(
                    status__in=[
                        "submitted",
                        "desk_supplement",
                        "received",
                        "processing",
                        "awaiting_approval",
                        "supplement_requested",
                        "awaiting_payment",
                        "result_ready",
                    ]
                ),
                fields=["updated_at", "id"],
                include=("receiving_agency", "competent_agency"),
                name="dossier_open_waiting",
            ),
        ),
    ]
