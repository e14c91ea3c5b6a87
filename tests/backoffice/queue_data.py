"""Many dossiers fast, for pagination, query-count, EXPLAIN and export tests: one
dossier walked through the real services, then cloned with bulk_create (the clones
differ in code, ref, state and dates; the log is not needed by these tests)."""

import datetime as dt
import uuid

from django.utils import timezone

from dossiers.constants import Status
from dossiers.models import Dossier

STATES = (Status.RECEIVED, Status.PROCESSING, Status.SUBMITTED, Status.RESULT_READY)


def clone_many(template: Dossier, n: int, *, agency=None, start: int = 0, **fields) -> list:
    """`n` copies of `template`; every 7th has no due date and every 5th shares a
    received time with its neighbour, so keysets meet NULLs and ties."""
    base = timezone.now() - dt.timedelta(days=10)
    agency = agency or template.receiving_agency
    rows = []
    for i in range(start, start + n):
        status = STATES[i % len(STATES)]
        received = None if status == Status.SUBMITTED else base + dt.timedelta(hours=(i // 2) * 3)
        rows.append(
            Dossier(
                ref=uuid.uuid4(),
                code=f"{agency.code}-261127-{i:05d}",
                version_id=template.version_id,
                case_id=template.case_id,
                channel=template.channel,
                applicant_id=template.applicant_id,
                applicant_name=template.applicant_name,
                applicant_name_words=template.applicant_name_words,
                receiving_agency=agency,
                competent_agency=agency,
                status=status,
                submitted_at=base,
                received_at=received,
                due_at=None if i % 7 == 0 else base + dt.timedelta(days=12, hours=i % 5),
                assignee_id=None,
                **fields,
            )
        )
    return Dossier.objects.bulk_create(rows, batch_size=1000)
