"""The declaration form is built once per version, language and catalogue generation,
yet follows every change to a draft's fields."""

import pytest
from django.utils import translation

from dossiers.declaration import declaration_errors, declaration_form_class
from procedures import services
from procedures.models import FormField
from tests.procedures.factories import FormFieldFactory, VersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    version = VersionFactory()
    FormFieldFactory(version=version, key="full_name", label_vi="Họ và tên", label_en="Full name")
    return version


def test_the_class_is_reused_and_needs_no_query(draft, django_assert_num_queries):
    first = declaration_form_class(draft)
    with django_assert_num_queries(0):
        assert declaration_form_class(draft) is first
    # Instances share nothing: a bound form's errors are its own.
    assert not first(data={}).is_valid()
    assert first(data={"full_name": "Lê Văn A"}).is_valid()


def test_each_language_has_its_labels(draft):
    with translation.override("vi"):
        assert declaration_form_class(draft)().fields["full_name"].label == "Họ và tên"
    with translation.override("en"):
        assert declaration_form_class(draft)().fields["full_name"].label == "Full name"


def test_editing_a_drafts_fields_is_seen_at_once(draft):
    assert set(declaration_form_class(draft).base_fields) == {"full_name"}
    FormFieldFactory(version=draft, key="purpose", label_vi="Mục đích")
    assert set(declaration_form_class(draft).base_fields) == {"full_name", "purpose"}
    field = FormField.objects.get(version=draft, key="full_name")
    field.required = False
    field.save()
    assert declaration_errors(draft, {"purpose": "x"}) == {}
    field.delete()
    assert set(declaration_form_class(draft).base_fields) == {"purpose"}


def test_fields_copied_in_bulk_are_seen_too(draft):
    target = VersionFactory(procedure=draft.procedure)
    assert declaration_form_class(target).base_fields == {}
    services.version_copy_content(source=draft, target=target, parts=("form_fields",))
    assert set(declaration_form_class(target).base_fields) == {"full_name"}


def test_documents_asked_for_and_fees_follow_a_drafts_changes(draft):
    from dossiers.models import Dossier
    from dossiers.services import case_documents, version_fee
    from tests.procedures.factories import CaseFactory, ChannelFactory, DocumentFactory, FeeFactory

    case = CaseFactory(version=draft)
    DocumentFactory(case=case, name="Tờ khai")
    assert [d.name for d in case_documents(case.pk)] == ["Tờ khai"]
    DocumentFactory(case=case, name="Giấy khai sinh")
    assert sorted(d.name for d in case_documents(case.pk)) == ["Giấy khai sinh", "Tờ khai"]

    channel = ChannelFactory(version=draft, method="online")
    dossier = Dossier(version=draft, channel="online")
    assert version_fee(dossier) == 0
    fee = FeeFactory(channel=channel, amount=50_000)
    assert version_fee(dossier) == 50_000
    fee.amount = 20_000
    fee.save()
    assert version_fee(dossier) == 20_000


def test_a_long_import_queues_one_after_commit_retirement():
    from django.db import connection, transaction

    from procedures.services import catalogue_cache_clear, catalogue_generation_retire

    with transaction.atomic():
        for _ in range(50):
            catalogue_cache_clear()
        queued = [f for _s, f, _r in connection.run_on_commit if f is catalogue_generation_retire]
        assert len(queued) == 1
