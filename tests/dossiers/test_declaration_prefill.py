"""The declaration filled in from the applicant's account: the registry's facts of a
verified account locked where the rules say so (server-side), contradictions recorded
at submission; dates read as dd/mm/yyyy."""

import datetime
import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection

from dossiers import legal, services
from dossiers.constants import Action, Status
from dossiers.declaration import declaration_rows, display_value, registry_mismatches
from identity.constants import BusinessRole, VerificationLevel
from identity.models import Business, BusinessMembership
from identity.selectors import applicant_facts
from procedures.models import FormField
from tests.dossiers.factories import World, pdf
from tests.identity.factories import UserFactory
from tests.procedures.factories import FormFieldFactory, VersionFactory

pytestmark = pytest.mark.django_db

ADDRESS = "12 Lê Lợi, phường Sài Gòn, Thành phố Hồ Chí Minh"


def add_person_fields(version):
    for position, (key, kind, source) in enumerate(
        [
            ("ho_ten", "text", "full_name"),
            ("so_dinh_danh", "personal_id", "id_number"),
            ("ngay_sinh", "date", "birth_date"),
            ("gioi_tinh", "choice", "sex"),
            ("dia_chi", "address", "permanent_address"),
            ("dien_thoai", "phone", "phone"),
        ],
        start=10,
    ):
        FormFieldFactory(
            version=version,
            key=key,
            type=kind,
            prefill=source,
            position=position,
            label_vi={"ngay_sinh": "Ngày sinh", "dia_chi": "Nơi cư trú"}.get(key, key),
            choices=["Nam", "Nữ"] if kind == "choice" else [],
        )


@pytest.fixture
def world(db):
    world = World()
    add_person_fields(world.version)
    world.applicant = UserFactory(
        citizen=True,
        full_name="Phạm Thu Hà",
        permanent_address=ADDRESS,
        verification_level=VerificationLevel.REGISTRY_VERIFIED,
    )
    return world


def declared(world, dossier, **changes):
    data = {**dossier.form_data, "full_name": "Phạm Thu Hà", **changes}
    services.dossier_save_declaration(dossier_id=dossier.pk, actor=world.applicant, data=data)
    services.dossier_attach_file(
        dossier_id=dossier.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        upload=pdf(),
    )


def test_a_verified_applicants_draft_starts_with_what_the_account_knows(world):
    dossier = world.draft()
    assert dossier.form_data == {
        "ho_ten": "Phạm Thu Hà",
        "so_dinh_danh": "079190000777",
        "ngay_sinh": "1990-03-04",
        "gioi_tinh": "Nữ",
        "dia_chi": ADDRESS,
        "dien_thoai": "0987000111",
    }


def test_the_locked_facts_keep_the_registrys_values_whatever_is_sent(world):
    dossier = world.draft()
    declared(
        world,
        dossier,
        ho_ten="Người Khác",
        so_dinh_danh="001085000456",
        ngay_sinh="1991-01-01",
        gioi_tinh="Nam",
        dien_thoai="0912000001",
    )
    dossier.refresh_from_db()
    assert dossier.form_data["ho_ten"] == "Phạm Thu Hà"
    assert dossier.form_data["so_dinh_danh"] == "079190000777"
    assert dossier.form_data["ngay_sinh"] == "1990-03-04"
    assert dossier.form_data["gioi_tinh"] == "Nữ"
    # Contact details are the applicant's to change.
    assert dossier.form_data["dien_thoai"] == "0912000001"


def test_a_contradicting_address_is_filed_and_recorded_for_the_official(world):
    dossier = world.draft()
    declared(world, dossier, dia_chi="5 Hai Bà Trưng, phường Bến Thành")
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.form_data["dia_chi"] == "5 Hai Bà Trưng, phường Bến Thành"
    row = dossier.log.get(action=Action.SUBMIT)
    assert row.data["registry_mismatches"] == [
        {"field": "dia_chi", "declared": "5 Hai Bà Trưng, phường Bến Thành", "registry": ADDRESS}
    ]


def test_the_same_values_typed_differently_are_no_contradiction(world):
    dossier = world.draft()
    declared(world, dossier, dia_chi="  12 lê lợi,  Phường Sài Gòn, thành phố Hồ Chí Minh ")
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    assert "registry_mismatches" not in dossier.log.get(action=Action.SUBMIT).data


def test_with_nothing_locked_a_different_birth_date_is_kept_and_recorded(world, settings):
    settings.LEGAL_DECLARATION_LOCKED = ""
    dossier = world.draft()
    declared(world, dossier, ngay_sinh="1990-04-03")
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.form_data["ngay_sinh"] == "1990-04-03"
    (mismatch,) = dossier.log.get(action=Action.SUBMIT).data["registry_mismatches"]
    assert mismatch == {"field": "ngay_sinh", "declared": "1990-04-03", "registry": "1990-03-04"}
    rows = {r.key: r for r in declaration_rows(dossier.version, dossier.form_data, [mismatch])}
    assert (rows["ngay_sinh"].text, rows["ngay_sinh"].registry) == ("03/04/1990", "04/03/1990")


def test_the_submission_locks_a_draft_saved_before_the_account_was_verified(world):
    world.applicant.verification_level = VerificationLevel.SELF_DECLARED
    world.applicant.save()
    dossier = world.draft()
    declared(world, dossier, ngay_sinh="1991-01-01")
    dossier.refresh_from_db()
    assert dossier.form_data["ngay_sinh"] == "1991-01-01"  # level 1: nothing locked
    world.applicant.verification_level = VerificationLevel.REGISTRY_VERIFIED
    world.applicant.save()
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.form_data["ngay_sinh"] == "1990-03-04"
    assert "registry_mismatches" not in dossier.log.get(action=Action.SUBMIT).data


def test_an_unverified_account_fills_in_but_locks_and_flags_nothing(world):
    world.applicant.verification_level = VerificationLevel.SELF_DECLARED
    world.applicant.save()
    facts = applicant_facts(world.applicant)
    assert facts.registry == frozenset()
    dossier = world.draft()
    assert dossier.form_data["ngay_sinh"] == "1990-03-04"
    declared(world, dossier, ngay_sinh="1991-01-01", ho_ten="Phạm Thị Thu Hà")
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.form_data["ngay_sinh"] == "1991-01-01"
    assert "registry_mismatches" not in dossier.log.get(action=Action.SUBMIT).data


def test_an_empty_or_unparsable_value_is_handled(world):
    facts = applicant_facts(world.applicant)
    assert registry_mismatches(world.version, {"ngay_sinh": ""}, facts) == []
    assert registry_mismatches(world.version, {"ngay_sinh": "4/3/1990"}, facts) == [
        {"field": "ngay_sinh", "declared": "4/3/1990", "registry": "1990-03-04"}
    ]


def test_values_read_as_people_write_them():
    assert display_value("date", "1990-03-15") == "15/03/1990"
    assert display_value("date", "15/3/90") == "15/3/90"  # a draft's unparsed text
    assert display_value("yes_no", True) == "Có"
    assert display_value("yes_no", False) == "Không"
    assert display_value("multiple_choice", ["A", "B"]) == "A, B"
    assert display_value("text", None) == ""


def test_the_locked_facts_setting_is_checked(settings):
    assert legal.declaration_locked() == {"full_name", "id_number", "birth_date", "sex"}
    settings.LEGAL_DECLARATION_LOCKED = "birth_date, phone"
    with pytest.raises(ImproperlyConfigured, match="phone"):
        legal.declaration_locked()
    from config.checks import check_legal_settings

    assert [e.id for e in check_legal_settings()] == ["motcua.E002"]


def test_a_birth_date_fills_only_a_date_field():
    field = FormField(key="x", label_vi="X", type="text", prefill="birth_date")
    with pytest.raises(ValidationError) as error:
        field.clean()
    assert "prefill" in error.value.message_dict
    with pytest.raises(ValidationError):
        FormField(key="y", label_vi="Y", type="number", prefill="phone").clean()
    FormField(key="z", label_vi="Z", type="date", prefill="birth_date").clean()


def test_the_migration_fills_the_standard_keys_of_frozen_versions():
    version = VersionFactory(published=True)
    FormFieldFactory(version=version, key="ngay_sinh", type="date")
    FormFieldFactory(version=version, key="dia_chi", type="address")
    FormFieldFactory(version=version, key="ho_ten", type="long_text")  # not the standard type
    migration = importlib.import_module("procedures.migrations.0005_formfield_prefill")

    class Editor:
        pass

    Editor.connection = connection
    migration.fill_standard_keys(None, Editor())
    assert dict(version.form_fields.values_list("key", "prefill")) == {
        "ngay_sinh": "birth_date",
        "dia_chi": "permanent_address",
        "ho_ten": "",
    }
    # The protection is back in place afterwards.
    with pytest.raises(Exception, match="published or retired"):
        version.form_fields.filter(key="ho_ten").update(prefill="full_name")


def test_a_paper_dossier_is_checked_but_not_locked(world):
    """At the desk the official types the paper form: nothing is overwritten, and what
    contradicts the verified applicant's registry facts is recorded all the same."""
    paper = {
        "full_name": "Phạm Thu Hà",
        "ho_ten": "Phạm Thu Hà",
        "so_dinh_danh": "079190000777",
        "ngay_sinh": "1990-04-03",
        "gioi_tinh": "Nữ",
        "dia_chi": ADDRESS,
        "dien_thoai": "0987000111",
    }
    dossier = services.counter_intake(
        actor=world.receptionist,
        receiving_agency=world.agency,
        case=world.case,
        id_number="079190000777",
        full_name="Phạm Thu Hà",
        birth_date=datetime.date(1990, 3, 4),
        declaration=paper,
        documents=[services.ScannedDocument(upload=pdf(), required_document_id=world.document.pk)],
    )
    assert dossier.applicant == world.applicant
    assert dossier.form_data["ngay_sinh"] == "1990-04-03"
    assert dossier.log.get(action=Action.SUBMIT).data["registry_mismatches"] == [
        {"field": "ngay_sinh", "declared": "1990-04-03", "registry": "1990-03-04"}
    ]


def test_a_dossier_for_a_business_starts_with_the_business_details(world):
    business = Business.objects.create(
        enterprise_code="0100109106",
        name="Công ty TNHH Sao Mai",
        legal_representative="Phạm Thu Hà",
    )
    BusinessMembership.objects.create(
        business=business, user=world.applicant, role=BusinessRole.REPRESENTATIVE
    )
    FormFieldFactory(version=world.version, key="ma_so", type="tax_code", prefill="enterprise_code")
    FormFieldFactory(version=world.version, key="ten_dn", prefill="business_name")
    FormFieldFactory(version=world.version, key="dai_dien", prefill="legal_representative")

    for_business = world.draft(business=business)
    assert for_business.form_data["ma_so"] == "0100109106"
    assert for_business.form_data["ten_dn"] == "Công ty TNHH Sao Mai"
    assert for_business.form_data["dai_dien"] == "Phạm Thu Hà"
    assert for_business.form_data["ho_ten"] == "Phạm Thu Hà"  # the person filing
    for_herself = world.draft()
    assert not {"ma_so", "ten_dn", "dai_dien"} & set(for_herself.form_data)
