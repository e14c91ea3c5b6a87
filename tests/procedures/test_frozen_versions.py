"""Published and retired versions are frozen in the database (pgtrigger), not only in
the admin and the services: a direct ORM write is refused, the services' own
transitions (publish, retire) still go through."""

import pytest
from django.db import DatabaseError, transaction

from procedures.constants import VersionStatus
from procedures.models import (
    Case,
    Channel,
    Fee,
    FormField,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)
from procedures.services import (
    procedure_version_create_draft,
    procedure_version_publish,
    procedure_version_retire,
)
from tests.procedures.factories import (
    FormFieldFactory,
    StepFactory,
    published_procedure,
)

pytestmark = pytest.mark.django_db

FROZEN = [VersionStatus.PUBLISHED, VersionStatus.RETIRED]


def _refused(write):
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
        write()


def _version(status):
    """A version of `status` with one row of every kind of content."""
    procedure = published_procedure(documents=1, channels=1)
    version = procedure.versions.get()
    FormFieldFactory(version=version)
    StepFactory(version=version, allotted_days=3)
    if status == VersionStatus.RETIRED:
        procedure_version_retire(version=version)
    elif status == VersionStatus.DRAFT:
        version = procedure_version_create_draft(procedure=procedure)
    version.refresh_from_db()
    return version


def _content(version):
    return {
        Channel: Channel.objects.filter(version=version),
        Fee: Fee.objects.filter(channel__version=version),
        Case: Case.objects.filter(version=version),
        RequiredDocument: RequiredDocument.objects.filter(case__version=version),
        FormField: FormField.objects.filter(version=version),
        WorkflowStep: WorkflowStep.objects.filter(version=version),
    }


@pytest.mark.parametrize("status", FROZEN)
def test_a_frozen_version_cannot_be_updated_or_deleted(status):
    version = _version(status)
    rows = ProcedureVersion.objects.filter(pk=version.pk)

    version.note = "changed behind the services' back"
    _refused(version.save)
    _refused(lambda: rows.update(status=VersionStatus.DRAFT))
    _refused(lambda: rows.update(steps_description=["Bước 1"]))
    _refused(rows.delete)
    version.refresh_from_db()
    assert version.status == status and version.note == ""


def test_retiring_may_change_only_the_status_and_its_date():
    version = _version(VersionStatus.PUBLISHED)
    rows = ProcedureVersion.objects.filter(pk=version.pk)

    _refused(lambda: rows.update(status=VersionStatus.RETIRED, note="and a change"))

    procedure_version_retire(version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.RETIRED and version.retired_at


@pytest.mark.parametrize("status", FROZEN)
def test_the_content_of_a_frozen_version_cannot_be_updated_or_deleted(status):
    version = _version(status)

    for model, rows in _content(version).items():
        assert rows.exists(), model
        _refused(lambda rows=rows: rows.update(position=9))
        _refused(rows.first().save)
        _refused(rows.delete)
        assert not rows.filter(position=9).exists()


def test_the_content_of_a_draft_stays_editable():
    draft = _version(VersionStatus.DRAFT)

    for model, rows in _content(draft).items():
        assert rows.update(position=9) == rows.count() > 0, model
    for rows in reversed(list(_content(draft).values())):
        rows.delete()
    draft.note = "work in progress"
    draft.save()


def test_draft_content_cannot_be_moved_into_a_published_version():
    draft = _version(VersionStatus.DRAFT)
    published = draft.procedure.versions.get(status=VersionStatus.PUBLISHED)

    _refused(lambda: FormField.objects.filter(version=draft).update(version=published))


def test_the_services_still_publish_and_retire():
    procedure = published_procedure()
    first = procedure.versions.get()
    draft = procedure_version_create_draft(procedure=procedure)

    procedure_version_publish(version=draft)  # draft -> published, first -> retired
    procedure_version_retire(version=draft)  # published -> retired

    statuses = dict(procedure.versions.values_list("pk", "status"))
    assert statuses == {first.pk: VersionStatus.RETIRED, draft.pk: VersionStatus.RETIRED}
