"""Indexes for the "all dossiers" tab, the queues' default.

Its condition is `status filed AND (receiving_agency IN (...) OR competent_agency IN
(...))`, ordered by appointment date then id. No single index gives that order under
an OR, so PostgreSQL would read every dossier the agency ever filed and sort them for
each page, a cost that grows with the agency's history. With one index per side in
that order, `dossiers.queues.page_ids` takes the first rows of each side in index
order (LIMIT, no sort) and merges them: the cost follows the page, at any size.

Built CONCURRENTLY: on a table of millions of rows a plain CREATE INDEX would block
every submission and transition while it runs.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dossiers", "0007_agency_pair_statistics")]

    operations = [
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                condition=~models.Q(status__in=["draft", "discarded"]),
                fields=["receiving_agency", "due_at", "id"],
                name="dossier_recv_filed",
            ),
        ),
        AddIndexConcurrently(
            model_name="dossier",
            index=models.Index(
                condition=~models.Q(status__in=["draft", "discarded"]),
                fields=["competent_agency", "due_at", "id"],
                name="dossier_comp_filed",
            ),
        ),
    ]
