"""The filing pages with a declaration filled in from a verified account: read-only
facts, the server ignoring a tampered value, contradictions told to the applicant and
flagged on the workbench; declared dates read dd/mm/yyyy on every page that shows them."""

import re

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.constants import Status
from tests.dossiers.factories import pdf
from tests.dossiers.test_declaration_prefill import ADDRESS
from tests.dossiers.test_declaration_prefill import world as world
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


def _input(html, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def _draft_with_file(world):
    dossier = world.draft()
    services.dossier_attach_file(
        dossier_id=dossier.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        upload=pdf(),
    )
    return dossier


def _form(dossier, **changes):
    return {**dossier.form_data, "full_name": "Phạm Thu Hà", **changes}


def test_the_edit_page_shows_the_registry_facts_read_only(client, world):
    client.force_login(world.applicant)
    dossier = world.draft()
    html = client.get(reverse("portal:dossier-edit", kwargs={"ref": dossier.ref})).content.decode()
    name = _input(html, "ho_ten")
    assert 'value="Phạm Thu Hà"' in name and "readonly" in name
    assert "aria-describedby" in name
    assert 'id="id_ho_ten_helptext"' in html
    assert "readonly" in _input(html, "so_dinh_danh")
    birth = _input(html, "ngay_sinh")
    assert 'value="1990-03-04"' in birth and "readonly" in birth
    # The sex is a text box read-only: a select cannot be.
    assert 'value="Nữ"' in _input(html, "gioi_tinh") and '<select name="gioi_tinh"' not in html
    # Address and phone are filled in and stay the applicant's to change.
    address = _input(html, "dia_chi")
    assert ADDRESS in address and "readonly" not in address
    assert "readonly" not in _input(html, "dien_thoai")
    assert "Cơ sở dữ liệu quốc gia về dân cư" in html


def test_a_tampered_locked_value_is_not_saved(client, world):
    client.force_login(world.applicant)
    dossier = world.draft()
    edit = reverse("portal:dossier-edit", kwargs={"ref": dossier.ref})
    client.post(edit, _form(dossier, save="1", ngay_sinh="1999-09-09", ho_ten="Ai Đó"))
    dossier.refresh_from_db()
    assert (dossier.form_data["ngay_sinh"], dossier.form_data["ho_ten"]) == (
        "1990-03-04",
        "Phạm Thu Hà",
    )


def test_the_applicant_is_told_of_a_contradiction_before_submitting(client, world):
    client.force_login(world.applicant)
    dossier = _draft_with_file(world)
    edit = reverse("portal:dossier-edit", kwargs={"ref": dossier.ref})
    client.post(edit, _form(dossier, save="1", dia_chi="5 Hai Bà Trưng, phường Bến Thành"))
    html = client.get(edit).content.decode()
    assert "khác với Cơ sở dữ liệu quốc gia về dân cư" in html
    assert f"“{ADDRESS}”" in html
    review = client.get(reverse("portal:dossier-review", kwargs={"ref": dossier.ref}))
    page = review.content.decode()
    assert "5 Hai Bà Trưng, phường Bến Thành" in page and f"“{ADDRESS}”" in page
    # Dates as people write them, never ISO.
    assert "<dd>04/03/1990</dd>" in page and "1990-03-04" not in page
    # Submitting anyway is allowed.
    client.post(reverse("portal:dossier-review", kwargs={"ref": dossier.ref}))
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_the_review_page_names_the_fields_with_errors(client, world):
    client.force_login(world.applicant)
    dossier = world.draft()
    html = client.get(reverse("portal:dossier-review", kwargs={"ref": dossier.ref})).content
    assert "Họ và tên:" in html.decode() and "full_name:" not in html.decode()


def test_the_workbench_flags_the_contradiction_in_plain_words(client, world, settings):
    settings.LEGAL_DECLARATION_LOCKED = "full_name,id_number,sex"
    dossier = _draft_with_file(world)
    services.dossier_save_declaration(
        dossier_id=dossier.pk, actor=world.applicant, data=_form(dossier, ngay_sinh="1990-04-03")
    )
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    force_login_verified(client, world.receptionist)
    html = client.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    block = html.split('id="h-declaration"')[1].split("</section>")[0]
    assert "1 thông tin khai khác với Cơ sở dữ liệu quốc gia về dân cư" in block
    assert re.search(
        r"<dt>Ngày sinh</dt><dd>03/04/1990 <strong class=\"bo-flag\">[^<]*“04/03/1990”", block
    )
    assert "1990-0" not in block
    # Agreeing values carry no flag.
    assert block.count("bo-flag") == 1


def test_a_dossier_without_contradictions_has_no_flag(client, world):
    dossier = _draft_with_file(world)
    services.dossier_save_declaration(
        dossier_id=dossier.pk, actor=world.applicant, data=_form(dossier)
    )
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    force_login_verified(client, world.receptionist)
    html = client.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    assert "registry-flag" not in html and "bo-flag" not in html
    assert "<dd>04/03/1990</dd>" in html
