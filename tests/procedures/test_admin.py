"""The catalogue admin: read-only published versions, validation, actions, agency rights."""

from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from procedures.constants import VersionStatus
from procedures.models import Procedure, ProcedureVersion, WorkflowStep
from tests.helpers import force_login_verified
from tests.procedures.factories import (
    AgencyFactory,
    ChannelFactory,
    VersionFactory,
    published_procedure,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 12)
    return force_login_verified(client, user)


def _formset(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def _post_version(client, version, *, channels=(), fields=(), steps=()):
    data = {"steps_description": "[]", "note": ""}
    data.update(_formset("channels", list(channels)))
    data.update(_formset("cases", []))
    data.update(_formset("form_fields", list(fields)))
    data.update(_formset("steps", list(steps)))
    return client.post(f"/admin/procedures/procedureversion/{version.pk}/change/", data)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/procedures/procedure/",
        "/admin/procedures/procedure/?q=1.0&online_level=full&level=ward",
        "/admin/procedures/procedureversion/",
        "/admin/procedures/procedureversion/?status=published",
        "/admin/procedures/agency/",
        "/admin/procedures/field/",
        "/admin/procedures/calendaroverride/",
    ],
)
def test_admin_pages_open(admin_client, url):
    published_procedure()
    assert admin_client.get(url).status_code == 200


def test_change_pages_open_and_show_history(admin_client):
    procedure = published_procedure()
    version = procedure.versions.get()
    for url in (
        f"/admin/procedures/procedure/{procedure.pk}/change/",
        f"/admin/procedures/procedureversion/{version.pk}/change/",
        f"/admin/procedures/channel/{version.channels.get().pk}/change/",
        f"/admin/procedures/case/{version.cases.get().pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
    html = admin_client.get(f"/admin/procedures/procedure/{procedure.pk}/change/").content.decode()
    # pghistory's insert event, in words and in Vietnamese time (UTC+7).
    event = procedure.pgh_event_model.objects.get(pgh_obj_id=procedure.pk)
    local = event.pgh_created_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"<td>{local:%d/%m/%Y %H:%M}</td><td>Tạo mới</td>" in html
    assert "insert" not in html


def test_published_version_is_read_only_in_admin(admin_client):
    version = published_procedure().versions.get()

    html = admin_client.get(
        f"/admin/procedures/procedureversion/{version.pk}/change/"
    ).content.decode()

    assert 'name="channels-0-processing_time"' not in html
    assert 'name="note"' not in html
    channel = version.channels.get()
    html = admin_client.get(f"/admin/procedures/channel/{channel.pk}/change/").content.decode()
    assert 'name="fees-0-amount"' not in html


def test_steps_must_add_up_to_the_processing_time(admin_client):
    version = VersionFactory()

    response = _post_version(
        admin_client,
        version,
        channels=[
            {"method": "online", "processing_time": "5", "unit": "working_day", "position": "0"}
        ],
        steps=[
            {"position": "0", "name": "Tiếp nhận", "role": "receptionist", "allotted_days": "1"},
            {"position": "1", "name": "Thẩm định", "role": "specialist", "allotted_days": "2"},
        ],
    )

    assert response.status_code == 200
    assert "add up to 3" in response.content.decode() or "là 3" in response.content.decode()
    assert not WorkflowStep.objects.exists()
    assert not version.channels.exists()

    response = _post_version(
        admin_client,
        version,
        channels=[
            {"method": "online", "processing_time": "3", "unit": "working_day", "position": "0"}
        ],
        steps=[
            {"position": "0", "name": "Tiếp nhận", "role": "receptionist", "allotted_days": "1"},
            {"position": "1", "name": "Thẩm định", "role": "specialist", "allotted_days": "2"},
        ],
    )
    assert response.status_code == 302
    assert WorkflowStep.objects.filter(version=version).count() == 2


def test_duplicate_keys_and_choices_are_refused_on_the_right_field(admin_client):
    version = VersionFactory()

    response = _post_version(
        admin_client,
        version,
        fields=[
            {
                "key": "ho_ten",
                "label_vi": "Họ tên",
                "type": "text",
                "position": "0",
                "required": "on",
            },
            {"key": "ho_ten", "label_vi": "Họ tên 2", "type": "text", "position": "1"},
            {
                "key": "gioi_tinh",
                "label_vi": "Giới tính",
                "type": "choice",
                "position": "2",
                "choices": "",
            },
        ],
    )

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][2].formset.errors
    assert "key" in errors[1]
    assert "choices" in errors[2]


def test_publish_and_retire_actions(admin_client):
    procedure = published_procedure()
    old = procedure.versions.get()
    draft = VersionFactory(procedure=procedure, number=2)
    ChannelFactory(version=draft)

    response = admin_client.post(
        "/admin/procedures/procedureversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    old.refresh_from_db()
    assert (draft.status, old.status) == (VersionStatus.PUBLISHED, VersionStatus.RETIRED)

    admin_client.post(
        "/admin/procedures/procedureversion/",
        {"action": "create_draft", "_selected_action": [draft.pk]},
    )
    assert ProcedureVersion.objects.filter(procedure=procedure, status="draft").count() == 1

    response = admin_client.post(
        "/admin/procedures/procedureversion/",
        {"action": "retire", "_selected_action": [old.pk]},
        follow=True,
    )
    assert (
        "cannot become" in response.content.decode()
        or "không thể chuyển" in response.content.decode()
    )


def test_agency_admin_sees_and_edits_only_their_agencies_procedures(client):
    ward = AgencyFactory(name="Phường Sài Gòn")
    mine = published_procedure(name="Thủ tục của phường")
    mine.executing_agencies.set([ward])
    other = published_procedure(name="Thủ tục của nơi khác")
    user = get_user_model().objects.create_user("phuong", password="x" * 12, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="procedures",
            codename__in=[
                "view_procedure",
                "change_procedure",
                "view_procedureversion",
                "change_procedureversion",
            ],
        )
    )
    assign_perm("procedures.manage_procedures", user, ward)
    force_login_verified(client, user)

    html = client.get("/admin/procedures/procedure/").content.decode()

    assert "Thủ tục của phường" in html and "Thủ tục của nơi khác" not in html
    assert client.get(f"/admin/procedures/procedure/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/procedures/procedure/{other.pk}/change/").status_code in (
        302,
        403,
        404,
    )
    version = other.versions.get()
    assert client.get(f"/admin/procedures/procedureversion/{version.pk}/change/").status_code in (
        302,
        403,
        404,
    )


def test_a_form_field_says_what_it_is_filled_in_from(admin_client):
    version = VersionFactory()
    field = {"label_vi": "Ngày sinh", "position": "0", "required": "on"}

    refused = _post_version(
        admin_client,
        version,
        fields=[{**field, "key": "ngay_sinh", "type": "text", "prefill": "birth_date"}],
    )
    assert refused.status_code == 200
    assert "prefill" in refused.context["inline_admin_formsets"][2].formset.errors[0]
    assert not version.form_fields.exists()

    saved = _post_version(
        admin_client,
        version,
        fields=[{**field, "key": "ngay_sinh", "type": "date", "prefill": "birth_date"}],
    )
    assert saved.status_code == 302
    assert version.form_fields.get().prefill == "birth_date"


# --- for catalogue administrators ----------------------------------------------------------


def test_search_ignores_accents_like_the_portal(admin_client):
    wanted = published_procedure(code="1.004873", name="Cấp Giấy xác nhận tình trạng hôn nhân")
    published_procedure(code="1.000894", name="Đăng ký kết hôn")
    AgencyFactory(name="Sở Tư pháp", code="000.00.11.H29")

    for url in ("/admin/procedures/procedure/", "/admin/procedures/procedureversion/"):
        for q in ("tinh trang hon nhan", "TÌNH TRẠNG hôn nhân", "tinh trang hon nhn", "1.004873"):
            html = admin_client.get(url, {"q": q}).content.decode()
            assert wanted.name in html, (url, q)
            assert "Đăng ký kết hôn" not in html, (url, q)
    html = admin_client.get("/admin/procedures/agency/", {"q": "so tu phap"}).content.decode()
    assert "Sở Tư pháp" in html
    html = admin_client.get("/admin/procedures/procedure/", {"q": "%%%"}).content.decode()
    assert "Đăng ký kết hôn" in html  # nothing to search: everything listed


def test_search_keeps_the_portals_order_until_a_column_is_sorted(admin_client):
    published_procedure(code="1.000001", name="Thủ tục khác có nhắc đăng ký khai sinh lại")
    published_procedure(code="1.999999", name="Đăng ký khai sinh")
    html = admin_client.get("/admin/procedures/procedure/", {"q": "dang ky khai sinh"})
    html = html.content.decode()
    assert html.index("1.999999") < html.index("1.000001")
    html = admin_client.get("/admin/procedures/procedure/", {"q": "dang ky khai sinh", "o": "1"})
    html = html.content.decode()
    assert html.index("1.000001") < html.index("1.999999")


def test_procedure_page_has_level_choices_a_long_name_box_and_vietnamese_labels(admin_client):
    procedure = published_procedure(levels=["ward"])
    html = admin_client.get(f"/admin/procedures/procedure/{procedure.pk}/change/").content.decode()
    assert '<textarea name="name"' in html
    assert 'type="checkbox" name="levels" value="ward"' in html
    assert "Cấp xã" in html and "Cấp tỉnh" in html
    assert "Cấp thực hiện" in html or "cấp thực hiện" in html.lower()
    assert "Tạo bản nháp mới" in html
    assert "hồ sơ nộp trong 90 ngày qua" in html.lower()

    data = {
        "code": procedure.code,
        "name": "Tên rất dài của thủ tục\nxuống dòng",
        "levels": ["province", "ward"],
        "online_level": procedure.online_level,
        "is_active": "on",
        **_formset("legal_bases", []),
        **_formset("results", []),
        **_formset("versions", [], initial=0),
    }
    response = admin_client.post(f"/admin/procedures/procedure/{procedure.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    procedure.refresh_from_db()
    assert procedure.levels == ["province", "ward"]
    assert procedure.name == "Tên rất dài của thủ tục xuống dòng"


def test_new_draft_button_creates_a_draft_and_opens_it(admin_client):
    procedure = published_procedure(documents=2, channels=2)
    url = f"/admin/procedures/procedure/{procedure.pk}/new-draft/"

    response = admin_client.post(url)

    draft = procedure.versions.get(status=VersionStatus.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/procedures/procedureversion/{draft.pk}/change/"
    assert draft.channels.count() == 2
    assert sum(case.documents.count() for case in draft.cases.all()) == 2
    page = admin_client.get(response["Location"]).content.decode()
    assert f"phiên bản {draft.number}" in page.lower() or str(draft.number) in page

    # A second press: one draft at a time, said in words.
    response = admin_client.post(url, follow=True)
    assert procedure.versions.filter(status=VersionStatus.DRAFT).count() == 1
    assert "đã có bản nháp" in response.content.decode()
    # Only a POST makes a draft.
    draft.delete()
    assert admin_client.get(url).status_code == 302
    assert not procedure.versions.filter(status=VersionStatus.DRAFT).exists()


def test_new_draft_is_made_in_one_transaction(admin_client):
    procedure = published_procedure(documents=2, channels=2)
    url = f"/admin/procedures/procedure/{procedure.pk}/new-draft/"
    with (
        mock.patch(
            "procedures.services.version_copy_content", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        admin_client.post(url)
    assert list(procedure.versions.values_list("status", flat=True)) == [VersionStatus.PUBLISHED]


def test_new_draft_is_refused_to_others(client):
    procedure = published_procedure()
    url = f"/admin/procedures/procedure/{procedure.pk}/new-draft/"
    citizen = get_user_model().objects.create_user("citizen", password="x" * 12)
    force_login_verified(client, citizen)

    response = client.post(url)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # Staff of another agency: not found.
    editor = get_user_model().objects.create_user("editor", password="x" * 12, is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="procedures",
            codename__in=["view_procedure", "change_procedure"],
        )
    )
    assign_perm("procedures.manage_procedures", editor, AgencyFactory())
    force_login_verified(client, editor)
    assert client.post(url).status_code == 404
    assert (
        not Procedure.objects.get(pk=procedure.pk)
        .versions.filter(status=VersionStatus.DRAFT)
        .exists()
    )


def test_admin_speaks_vietnamese_where_django_does_not(admin_client):
    published_procedure()
    html = admin_client.get("/admin/procedures/procedure/").content.decode()
    assert "Quản trị MotCua" in html
    assert "Hiện số lượng" in html and "Show counts" not in html
    assert "Toggle theme" not in html
