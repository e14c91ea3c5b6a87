"""DossierFactory builds, for each state, the dossier that walking the services gives:
the tests that only need a dossier in a state build it (fast), and these tests keep
the two ways in step when the services change what a step writes."""

from collections import Counter

import pytest
from django.utils import timezone

from dossiers.constants import Status
from dossiers.integrity import verify_chains
from dossiers.models import Dossier, QueueTally
from tests.dossiers.factories import DossierFactory, World

pytestmark = pytest.mark.django_db


# Log data that names a moment or a checksum: each way runs at its own moment.
# Keys whose values carry times, checksums or random verification numbers.
MOMENTS = {"code", "due_at", "document", "result", "transfer_due_at"}


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


def shape(dossier: Dossier) -> dict:
    """What a dossier in a state consists of, leaving out the exact times and
    checksums (each way runs at its own moment) but not their presence."""
    d = Dossier.objects.get(pk=dossier.pk)
    return {
        "row": (
            d.status,
            d.channel,
            d.applicant_id,
            d.receiving_agency_id,
            d.competent_agency_id,
            d.assignee_id,
            d.form_data,
            d.return_mode,
            d.postal_tracking,
            d.paused_days,
            d.deadline_state,
        ),
        "code": d.code is not None and d.code.startswith(f"{d.receiving_agency.code}-"),
        "dates": {
            "submitted": d.submitted_at is not None,
            "received": d.received_at is not None,
            "due": _local_day(d.due_at),
            "paused": d.paused_at is not None,
            "finished": d.finished_at is not None,
        },
        "log": [
            (
                e.seq,
                e.action,
                e.from_status,
                e.to_status,
                e.actor_id,
                e.actor_name,
                e.actor_role,
                e.visibility,
                e.note,
                sorted(e.data),
                {k: v for k, v in e.data.items() if k not in MOMENTS},
            )
            for e in d.log.order_by("seq")
        ],
        "log_codes": ["code" in e.data for e in d.log.filter(action="submit")],
        "chain": list(verify_chains(dossier_ids=[d.pk])),
        "documents": [
            (
                x.required_document_id,
                x.is_result,
                x.superseded_at,
                x.digitised,
                x.file.owner_id,
                x.file.name,
                x.file.kind,
                x.file.content_type,
                x.file.size,
                x.file.sha256,
            )
            for x in d.documents.select_related("file").order_by("id")
        ],
        "issued": [(i.form, i.log.seq, i.log.action) for i in d.issued.order_by("id")],
        "payments": [(p.purpose, p.amount, p.reason, p.status) for p in d.payments.order_by("id")],
    }


def tally() -> Counter:
    """The queue counts (dossiers.tally): the sum of `n` per key, zeros left out."""
    sums = Counter()
    for row in QueueTally.objects.values(
        "receiving_agency_id", "competent_agency_id", "status", "assignee_id", "due_day", "n"
    ):
        sums[tuple(v for k, v in row.items() if k != "n")] += row["n"]
    return +sums


@pytest.mark.parametrize("state", Status.values)
def test_the_factory_builds_what_the_services_walk_to(world, state):
    walked = shape(world.dossier_in(state))
    counted = tally()
    built = shape(world.dossier_built(state))
    assert built == walked
    assert walked["chain"] == []
    # The queue counts went up by one dossier in the same state, due the same day.
    assert tally() - counted == counted


def test_a_fee_is_payable_from_submission_as_after_the_walk(db):
    world = World(fee=20000)
    walked = shape(world.dossier_in(Status.SUBMITTED))
    built = shape(world.dossier_built(Status.SUBMITTED))
    assert built == walked
    assert walked["payments"] == [("fee", 20000, "", "pending")]


def test_the_factory_alone_makes_its_world():
    dossier = DossierFactory(returned=True)
    s = shape(dossier)
    assert s["row"][0] == Status.RETURNED
    assert [row[1] for row in s["log"]] == [
        "create",
        "submit",
        "receive",
        "document_written",
        "assign",
        "propose",
        "approve",
        "return_result",
    ]
    assert s["chain"] == []
