"""The demo catalogue seeded by seed_demo."""

import json
import shutil
from pathlib import Path

import pytest

from procedures.constants import OnlineLevel, VersionStatus
from procedures.demo import COMMON, seed
from procedures.models import Agency, Procedure, ProcedureVersion
from procedures.services import procedure_version_validate
from tests.helpers import rolled_back_after
from tests.procedures.factories import published_procedure
from tests.procedures.test_import import NAMES, NATIONAL

# One worker runs the module, so that the catalogue is seeded once for TestTheSeed.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_catalogue")]


def write_demo_data(path: Path) -> Path:
    """The 46 national records and the lines of names.jsonl the demo relies on."""
    shutil.copytree(NATIONAL, path / "national")
    lines = [line for line in NAMES.read_text().splitlines() if json.loads(line)["code"] in COMMON][
        : len(COMMON)
    ]
    (path / "names.jsonl").write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return write_demo_data(tmp_path)


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo catalogue seeded once for the tests of a class; the seed's report."""
    data = write_demo_data(tmp_path_factory.mktemp("demo"))
    with rolled_back_after(django_db_blocker):
        yield data, seed(data_dir=data)


class TestTheSeed:
    def test_seed_builds_the_agency_tree_and_a_full_online_demo(self, seeded):
        _data, report = seeded

        assert report.failures == []
        city = Agency.objects.get(code="000.00.00.H29")
        assert city.children.filter(kind="department").count() >= 8
        assert city.children.filter(kind="ward").count() >= 10
        for code in COMMON:
            procedure = Procedure.objects.get(code=code)
            version = procedure.versions.get(status=VersionStatus.PUBLISHED)
            assert procedure.online_level == OnlineLevel.FULL, code
            assert version.form_fields.count() >= 6, code
            assert version.steps.count() == 3, code
            assert version.channels.filter(method="online").exists(), code
            assert procedure.executing_agencies.exists(), code
            procedure_version_validate(version)
        for procedure in Procedure.objects.exclude(online_level=OnlineLevel.NONE):
            version = procedure.versions.get(status=VersionStatus.PUBLISHED)
            assert version.form_fields.count() >= 3, procedure.code

    def test_seed_is_idempotent(self, seeded):
        data, _report = seeded
        versions = ProcedureVersion.objects.count()
        agencies = Agency.objects.count()

        report = seed(data_dir=data)

        assert report.created == report.updated == report.failed == 0
        assert ProcedureVersion.objects.count() == versions
        assert Agency.objects.count() == agencies

    def test_each_demo_procedure_has_its_own_agencies(self, seeded, client):
        criminal_record = Procedure.objects.get(code="3.000333")
        justice = Agency.objects.get(code="000.00.11.H29")
        assert list(criminal_record.executing_agencies.all()) == [justice]
        assert list(criminal_record.competent_agencies.all()) == [justice]
        assert list(
            Procedure.objects.get(code="2.001583").executing_agencies.values_list("code", flat=True)
        ) == ["000.00.13.H29"]
        marriage = Procedure.objects.get(code="1.004873")
        wards = set(Agency.objects.filter(kind="ward", code__endswith=".H29"))
        assert set(marriage.executing_agencies.all()) == wards
        assert set(marriage.competent_agencies.all()) == wards

        page = client.get("/thu-tuc/3.000333/").content.decode()
        assert "Sở Tư pháp" in page
        assert "Sở Xây dựng" not in page

    def test_a_rerun_mends_the_agencies_of_an_older_seed(self, seeded):
        data, _report = seeded
        criminal_record = Procedure.objects.get(code="3.000333")
        criminal_record.executing_agencies.set(Agency.objects.filter(kind="department"))
        criminal_record.competent_agencies.clear()

        seed(data_dir=data)

        assert list(criminal_record.executing_agencies.values_list("code", flat=True)) == [
            "000.00.11.H29"
        ]
        assert criminal_record.competent_agencies.count() == 1


def test_a_procedure_without_a_competent_agency_says_who_decides(client):
    published_procedure(code="1.000350", name="Thủ tục thử")
    page = client.get("/thu-tuc/1.000350/").content.decode()
    assert "Như cơ quan thực hiện" in page
