"""Feedback codes stay unique and gap-free when many citizens send at once."""

import threading

import pytest
from django.db import connections, transaction

from feedback import services
from feedback.constants import Subject
from feedback.models import Feedback


class _Abort(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_get_unique_gap_free_codes():
    from tests.dossiers.factories import World

    world = World()
    barrier = threading.Barrier(6)
    errors = []

    def send(n):
        return services.feedback_send(
            sender=world.applicant,
            subject=Subject.AGENCY,
            agency=world.agency,
            title=f"Phản ánh {n}",
            text="Nội dung",
        )

    def worker(i):
        try:
            barrier.wait()
            for n in range(4):
                try:
                    with transaction.atomic():
                        send(n)
                        if (i + n) % 3 == 0:
                            raise _Abort  # the number taken goes back
                except _Abort:
                    pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    codes = list(Feedback.objects.values_list("code", flat=True))
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, len(codes) + 1))
    assert len(codes) == 24 - sum((i + n) % 3 == 0 for i in range(6) for n in range(4))
