"""My documents (kho giấy tờ) and the result download on the dossier page."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.constants import Status
from dossiers.models import StoredFile
from tests.dossiers.factories import World, pdf
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def test_my_documents_lists_uploads_and_results_with_type_and_date(client, world):
    dossier = world.dossier_built(Status.RETURNED)
    client.force_login(world.applicant)

    page = client.get(reverse("portal:my-documents")).content.decode()

    assert "giay-to.pdf" in page and "kq.pdf" in page
    assert "Tôi tải lên" in page and "Kết quả giải quyết hồ sơ" in page
    assert dossier.code in page
    result = StoredFile.objects.get(name="kq.pdf")
    download = client.get(reverse("portal:my-document-file", kwargs={"pk": result.pk}))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    client.force_login(world.other)
    other_url = reverse("portal:my-document-file", kwargs={"pk": result.pk})
    assert client.get(other_url).status_code == 404
    assert result.name not in client.get(reverse("portal:my-documents")).content.decode()


def test_delete_refused_while_an_open_dossier_uses_the_file(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    used = dossier.documents.get().file
    client.force_login(world.applicant)

    url = reverse("portal:my-document-delete", kwargs={"pk": used.pk})
    response = client.post(url, follow=True)

    used.refresh_from_db()
    assert used.deleted_at is None
    assert "vẫn đang mở" in response.content.decode()


def test_delete_an_unused_upload_and_a_file_of_a_finished_dossier(client, world):
    finished = world.dossier_in(Status.WITHDRAWN)
    kept = finished.documents.get().file
    client.force_login(world.applicant)

    client.post(reverse("portal:my-document-delete", kwargs={"pk": kept.pk}))

    kept.refresh_from_db()
    assert kept.deleted_at is not None  # hidden from My documents, kept as evidence
    listing = client.get(reverse("portal:my-documents")).content.decode()
    assert reverse("portal:my-document-file", kwargs={"pk": kept.pk}) not in listing
    assert finished.documents.get().file_id == kept.pk


def test_results_and_other_peoples_files_cannot_be_deleted(client, world):
    dossier = world.dossier_built(Status.RETURNED)
    result = dossier.documents.get(is_result=True).file
    with pytest.raises(services.DossierError):
        services.stored_file_delete(file_id=result.pk, actor=world.applicant)
    upload = dossier.documents.get(is_result=False).file
    with pytest.raises(services.DossierError):
        services.stored_file_delete(file_id=upload.pk, actor=world.other)
    client.force_login(world.other)
    url = reverse("portal:my-document-delete", kwargs={"pk": upload.pk})
    assert client.post(url).status_code == 404
    upload.refresh_from_db()
    assert upload.deleted_at is None


def test_a_file_from_my_documents_is_reused_in_a_new_draft(client, world):
    world.dossier_built(Status.RETURNED)
    mine = StoredFile.objects.get(name="giay-to.pdf")
    draft = world.draft()
    services.dossier_attach_file(
        dossier_id=draft.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        stored_file_id=mine.pk,
    )
    assert draft.documents.get().file_id == mine.pk


@pytest.mark.parametrize(
    ("state", "online_level", "visible"),
    [
        (Status.AWAITING_APPROVAL, "full", False),
        (Status.RESULT_READY, "partial", False),
        (Status.RESULT_READY, "full", True),
        (Status.RETURNED, "partial", True),
    ],
)
def test_result_download_once_returned_or_ready_online(client, world, state, online_level, visible):
    world.procedure.online_level = online_level
    world.procedure.save(update_fields=["online_level"])
    dossier = world.dossier_built(state)
    client.force_login(world.applicant)
    page = client.get(dossier.get_absolute_url()).content.decode()
    result = dossier.documents.filter(is_result=True).first()
    if result is None:
        assert not visible
        return
    url = reverse("portal:dossier-file", kwargs={"ref": dossier.ref, "pk": result.pk})
    assert (url in page) is visible
    assert client.get(url).status_code == (200 if visible else 404)


def test_upload_then_reuse_list_shows_in_the_draft(client, world):
    draft = world.draft()
    services.dossier_attach_file(
        dossier_id=draft.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        upload=pdf("mau.pdf"),
    )
    client.force_login(world.applicant)
    page = client.get(reverse("portal:dossier-edit", kwargs={"ref": draft.ref})).content.decode()
    assert "mau.pdf" in page


# --- keyset pagination and the permission walk -------------------------------------------


def _files(owner, count, *, at=None):
    """Rows only (the list never opens the files); `at` gives them all one timestamp so
    the id breaks the tie."""
    import datetime as dt

    from django.utils import timezone

    start = timezone.now()
    return StoredFile.objects.bulk_create(
        StoredFile(
            owner=owner,
            file=f"dossier-files/test/{owner.pk}-{i}",
            name=f"tep-{i:03d}.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
            created_at=at or start - dt.timedelta(minutes=i),
        )
        for i in range(count)
    )


def _names(html):
    import re

    return re.findall(r">(tep-\d{3}\.pdf)</a>", html)


@pytest.mark.parametrize("same_time", [False, True], ids=["distinct", "same-timestamp"])
def test_my_documents_walks_every_file_once_page_by_page(client, world, same_time):
    from django.utils import timezone

    from dossiers.selectors import PAGE_SIZE

    _files(world.applicant, 2 * PAGE_SIZE + 3, at=timezone.now() if same_time else None)
    _files(world.other, 5)
    client.force_login(world.applicant)
    seen, url, pages = [], reverse("portal:my-documents"), 0
    while url:
        html = client.get(url).content.decode()
        seen += _names(html)
        pages += 1
        marker = 'class="link-arrow" href="'
        url = (
            reverse("portal:my-documents")
            + html.split(marker)[1].split('"')[0].replace("&amp;", "&")
            if marker in html
            else None
        )
    assert pages == 3
    assert len(seen) == len(set(seen)) == 2 * PAGE_SIZE + 3  # none twice, none missed


def test_my_documents_costs_the_same_at_any_size(client, world, django_assert_max_num_queries):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dossiers.selectors import PAGE_SIZE

    world.dossier_built(Status.RETURNED)
    client.force_login(world.applicant)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:my-documents"))
    _files(world.applicant, 60)
    for _ in range(3):  # files used in several dossiers, to load the "used in" column
        world.dossier_built(Status.PROCESSING)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("portal:my-documents"))
    rows = re.findall(r'href="/kho-giay-to/\d+/"', response.content.decode())
    assert response.status_code == 200 and len(rows) == PAGE_SIZE


def test_a_garbled_cursor_shows_the_first_page(client, world):
    _files(world.applicant, 3)
    client.force_login(world.applicant)
    response = client.get(reverse("portal:my-documents"), {"sau": "not-a-cursor"})
    assert response.status_code == 200 and len(_names(response.content.decode())) == 3


def test_every_my_documents_url_is_only_for_the_owner(client, world):
    """The permission walk of /kho-giay-to/: owner, another citizen, an official and an
    anonymous visitor, on the list and on each sub-URL of a file."""
    dossier = world.dossier_in(Status.SUBMITTED)
    mine = dossier.documents.get().file
    urls = [
        ("get", reverse("portal:my-document-file", kwargs={"pk": mine.pk})),
        ("post", reverse("portal:my-document-delete", kwargs={"pk": mine.pk})),
    ]
    listing = reverse("portal:my-documents")
    for method, url in [("get", listing), *urls]:
        client.logout()
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"], url
    for person in (world.other, world.receptionist):
        force_login_verified(client, person)  # officials past the second factor
        assert mine.name not in client.get(listing).content.decode()
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 404, (person, url)
    client.force_login(world.applicant)
    assert mine.name in client.get(listing).content.decode()
    assert client.get(urls[0][1]).status_code == 200
    assert client.post(urls[1][1]).status_code == 302  # refused: an open dossier uses it
    mine.refresh_from_db()
    assert mine.deleted_at is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Bản sao Giấy khai sinh", "Giấy khai sinh (bản sao có chứng thực)", True),
        ("Phiếu lý lịch tư pháp", "Phiếu Lý lịch tư pháp", True),
        ("Đơn đề nghị cấp Phiếu lý lịch tư pháp", "Phiếu lý lịch tư pháp", False),
        ("Giấy xác nhận tình trạng hôn nhân", "Phiếu lý lịch tư pháp", False),
        ("Tờ khai đăng ký kết hôn", "Giấy khai sinh", False),
    ],
)
def test_documents_are_the_same_kind_by_name(a, b, same):
    from dossiers.selectors import document_words, same_document

    assert same_document(document_words(a), document_words(b)) is same


def test_the_draft_offers_only_my_documents_of_the_same_kind_none_chosen(client, world):
    from tests.procedures.factories import DocumentFactory

    birth = DocumentFactory(case=world.case, name="Bản sao Giấy khai sinh")
    record = DocumentFactory(case=world.case, name="Phiếu lý lịch tư pháp")
    earlier = world.draft()
    for component, name in ((birth, "khai-sinh.pdf"), (record, "ly-lich.pdf")):
        services.dossier_attach_file(
            dossier_id=earlier.pk,
            actor=world.applicant,
            required_document_id=component.pk,
            upload=pdf(name),
        )
    draft = world.draft()
    client.force_login(world.applicant)
    page = client.get(reverse("portal:dossier-edit", kwargs={"ref": draft.ref})).content.decode()

    def offered(component):
        marker = f'id="mine-{component.pk}"'
        if marker not in page:
            return None
        select = page.split(marker)[1].split("</select>")[0]
        return select

    assert "khai-sinh.pdf" in offered(birth) and "ly-lich.pdf" not in offered(birth)
    assert "ly-lich.pdf" in offered(record) and "khai-sinh.pdf" not in offered(record)
    assert offered(world.document) is None  # nothing of that kind: no choice offered
    assert "selected" not in offered(birth)
    assert '<option value="">' in offered(birth)
    # Sending the empty choice attaches nothing and says so.
    response = client.post(
        reverse("portal:dossier-edit", kwargs={"ref": draft.ref}),
        {"upload": "1", "required_document": birth.pk, "stored_file": ""},
    )
    assert response.status_code == 200 and not draft.documents.exists()
    assert "Hãy chọn một tệp." in response.content.decode()
