"""Dossier codes: `<agency>-<yymmdd>-<NNNN>`, gap-free and unique under concurrency."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from dossiers import services
from dossiers.constants import Status
from dossiers.models import Dossier


@pytest.mark.django_db
def test_codes_count_per_agency_and_day(world):
    first = world.dossier_in(Status.SUBMITTED)
    second = world.dossier_in(Status.SUBMITTED)
    day = first.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert first.code == f"000.00.31.H29-{day:%y%m%d}-0001"
    assert second.code.endswith("-0002")


@pytest.mark.django_db
def test_a_failed_submission_gives_its_number_back(world):
    dossier = world.complete_draft()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        raise RuntimeError("crash after the code was taken")
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.code.endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_gap_free_unique_codes():
    from tests.dossiers.factories import World

    world = World()
    drafts = [world.complete_draft() for _ in range(24)]
    barrier = threading.Barrier(8)
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for d in chunk:
                try:
                    with transaction.atomic():
                        services.dossier_submit(dossier_id=d.pk, actor=world.applicant)
                        if d.pk % 5 == 0:
                            raise _Abort  # some submissions roll back mid-way
                except _Abort:
                    services.dossier_submit(dossier_id=d.pk, actor=world.applicant)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(drafts[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    numbers = sorted(
        int(c.rsplit("-", 1)[1]) for c in Dossier.objects.values_list("code", flat=True)
    )
    assert numbers == list(range(1, 25))
    assert connection.vendor == "postgresql"


class _Abort(Exception):
    pass
