"""Version lifecycle services: publish, new draft, retire, validation."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from procedures.constants import VersionStatus
from procedures.models import ProcedureVersion
from procedures.services import (
    VersionStateError,
    procedure_version_create_draft,
    procedure_version_publish,
    procedure_version_retire,
)
from tests.procedures.factories import (
    ChannelFactory,
    FormFieldFactory,
    StepFactory,
    VersionFactory,
    published_procedure,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


ALL = list(VersionStatus)


def test_publish_retires_the_previous_version():
    procedure = published_procedure()
    old = procedure.versions.get()
    draft = procedure_version_create_draft(procedure=procedure)
    assert draft.number == old.number + 1
    assert draft.channels.count() == old.channels.count()
    assert draft.cases.get().documents.count() == old.cases.get().documents.count()

    procedure_version_publish(version=draft)

    old.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, draft.status) == (VersionStatus.RETIRED, VersionStatus.PUBLISHED)
    assert old.retired_at and draft.published_at


def test_only_one_draft_at_a_time():
    procedure = published_procedure()
    procedure_version_create_draft(procedure=procedure)
    with pytest.raises(VersionStateError, match="already a draft"):
        procedure_version_create_draft(procedure=procedure)


def test_database_refuses_two_published_versions():
    procedure = published_procedure()
    with pytest.raises(IntegrityError), transaction.atomic():
        VersionFactory(procedure=procedure, published=True)


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (s, a)
        for s in ALL
        for a in ("publish", "retire")
        if not (s == VersionStatus.DRAFT and a == "publish")
        and not (s == VersionStatus.PUBLISHED and a == "retire")
    ],
)
def test_transitions_not_in_the_table_are_refused(start, action):
    version = VersionFactory(status=start)
    service = procedure_version_publish if action == "publish" else procedure_version_retire
    with pytest.raises(VersionStateError):
        service(version=version)
    version.refresh_from_db()
    assert version.status == start


def test_publish_refuses_steps_that_do_not_add_up():
    version = VersionFactory()
    ChannelFactory(version=version, processing_time=5)
    StepFactory(version=version, allotted_days=1)
    StepFactory(version=version, allotted_days=3)

    with pytest.raises(ValidationError) as exc:
        procedure_version_publish(version=version)

    assert "add up to 4" in str(exc.value) and "5 working days" in str(exc.value)
    assert ProcedureVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_steps_in_hours_and_half_days():
    version = VersionFactory()
    ChannelFactory(version=version, processing_time=4, unit="hour")
    StepFactory(version=version, allotted_days="0.5")
    procedure_version_publish(version=version)


def test_publish_refuses_choice_fields_without_choices_and_duplicate_keys():
    version = VersionFactory()
    FormFieldFactory(version=version, key="gioi_tinh", type="choice", choices=[])
    with pytest.raises(ValidationError, match="at least two choices"):
        procedure_version_publish(version=version)


def test_retired_procedure_leaves_the_public_catalogue(client):
    procedure = published_procedure(code="1.000002")
    procedure_version_retire(version=procedure.versions.get())
    assert client.get("/thu-tuc/1.000002/").status_code == 404
