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
