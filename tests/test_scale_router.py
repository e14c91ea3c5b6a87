"""The read-replica router: opt-in reads go to `replica`, writes never do.

The test settings define `replica` as a second alias on the same server with
TEST={"MIRROR": "default"}: pytest-django does not create a second test database for
it (it would be empty: nothing replicates into it), the alias reads the test copy of
`default` instead. The tests run in transaction mode because the router keeps reads
inside an open transaction on the primary, and ordinary django_db tests run entirely
inside one.
"""

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from config import db_router
from config.db_router import ReplicaRouter, reads_from_replica, replica_reads
from procedures.models import Field

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def test_replica_alias_mirrors_default_in_tests():
    assert settings.DATABASES["replica"]["TEST"]["MIRROR"] == "default"
    assert (
        connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]
    )


def test_reads_go_to_the_replica_only_when_asked():
    Field.objects.create(code="ho-tich", name="Hộ tịch")
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert Field.objects.filter(code="ho-tich").exists()
    assert len(on_replica) == 0
    with reads_from_replica(), CaptureQueriesContext(connections["replica"]) as on_replica:
        assert Field.objects.get(code="ho-tich").name == "Hộ tịch"
        assert Field.objects.all().db == "replica"
    assert len(on_replica) == 1


def test_decorated_view_reads_from_replica_and_writes_to_primary():
    @replica_reads
    def export():
        Field.objects.create(code="dat-dai", name="Đất đai")  # a write: primary
        return list(Field.objects.filter(code="dat-dai").values_list("code", flat=True))

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert export() == ["dat-dai"]
    assert [q["sql"].split()[0] for q in on_replica] == ["SELECT"]
    assert Field.objects.using("default").filter(code="dat-dai").exists()


def test_reads_inside_a_transaction_on_the_primary_stay_there():
    with reads_from_replica(), transaction.atomic():
        Field.objects.create(code="tu-phap", name="Tư pháp")
        assert Field.objects.all().db == "default"
        assert Field.objects.filter(code="tu-phap").exists()


def test_without_a_replica_every_read_goes_to_default(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: False)
    with reads_from_replica():
        assert ReplicaRouter().db_for_read(Field) is None
        assert Field.objects.all().db == "default"


def test_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("replica", "dossiers") is False
    assert router.allow_migrate("default", "dossiers") is True
    assert router.db_for_write(Field) == "default"
