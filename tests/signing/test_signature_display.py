"""What the workbench and the applicant's dossier page say about the signatures of
uploaded files, in plain words; recording or approving a result whose signature is
broken is refused and changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.constants import Status
from dossiers.errors import DossierError
from signing.signers import LocalPkcs12Signer, Stamp
from tests.dossiers.factories import World
from tests.helpers import force_login_verified
from tests.signing.conftest import EXPIRED, PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def plain_pdf():
    from weasyprint import HTML

    return HTML(string="<h1>Giấy xác nhận</h1><p>Nội dung giấy tờ.</p>").write_pdf()


def _signed(ca, content, name="Nguyễn Văn Ký", organisation="Công ty Ký Thử", **kw) -> bytes:
    data = ca.pkcs12(name, organisation, **kw)
    return LocalPkcs12Signer(data, PASSWORD.encode()).sign_pdf(
        content, stamp=Stamp(signer=name, organisation=organisation, number="0000TEST")
    )


def _tampered(content: bytes) -> bytes:
    return content.replace(b"/MediaBox", b"/NediaBox", 1)


def _upload(content, name="giay-to-ky-so.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _filed_with(world, content):
    """A dossier submitted by the applicant with `content` as its document."""
    dossier = world.draft()
    services.dossier_save_declaration(
        dossier_id=dossier.pk, actor=world.applicant, data={"full_name": "Phạm Thu Hà"}
    )
    services.dossier_attach_file(
        dossier_id=dossier.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        upload=_upload(content),
    )
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    return dossier


def _workbench(client, world, dossier, official=None):
    force_login_verified(client, official or world.receptionist)
    response = client.get(f"/mot-cua/ho-so/{dossier.ref}/")
    assert response.status_code == 200
    return response.content.decode()


def _citizen_page(client, world, dossier):
    client.force_login(world.applicant)
    response = client.get(f"/ho-so/{dossier.ref}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("make", "words", "meaning"),
    [
        ("valid", "Chữ ký số: Hợp lệ", "Đã ký số, nguyên vẹn và người ký được tin cậy"),
        ("modified", "Chữ ký số: Bị sửa đổi sau khi ký", "Đã bị thay đổi sau khi ký"),
        ("untrusted", "Chữ ký số: Người ký không được tin cậy", "không thuộc tổ chức"),
        ("expired", "Chữ ký số: Chứng thư số hết hạn", "không còn hiệu lực"),
    ],
)
def test_a_signed_upload_is_described_on_both_pages(
    client, test_ca, foreign_ca, trusted, plain_pdf, make, words, meaning
):
    world = World()
    content = {
        "valid": lambda: _signed(test_ca, plain_pdf),
        "modified": lambda: _tampered(_signed(test_ca, plain_pdf)),
        "untrusted": lambda: _signed(foreign_ca, plain_pdf),
        "expired": lambda: _signed(test_ca, plain_pdf, **EXPIRED),
    }[make]()
    dossier = _filed_with(world, content)

    for page in (_workbench(client, world, dossier), _citizen_page(client, world, dossier)):
        assert words in page and meaning in page
        assert "Nguyễn Văn Ký" in page and "Công ty Ký Thử" in page


def test_an_unsigned_upload_says_not_signed_to_officials_only(client, trusted, plain_pdf):
    world = World()
    dossier = _filed_with(world, plain_pdf)
    assert "Chữ ký số: Chưa ký số" in _workbench(client, world, dossier)
    # The applicant's own scans are not labelled: only signed documents are.
    assert "Chữ ký số:" not in _citizen_page(client, world, dossier)


def test_recording_a_result_whose_signature_is_broken_is_refused(
    client, test_ca, trusted, plain_pdf
):
    world = World()
    dossier = world.dossier_in(Status.RESULT_READY)
    results = list(dossier.documents.filter(is_result=True).values_list("pk", flat=True))
    entries = dossier.log.count()
    for broken in (_tampered(_signed(test_ca, plain_pdf)), _signed(test_ca, plain_pdf, **EXPIRED)):
        with pytest.raises(DossierError, match="hỏng"):
            services.dossier_record_result(
                dossier_id=dossier.pk, actor=world.receptionist, upload=_upload(broken)
            )
    dossier.refresh_from_db()
    assert list(dossier.documents.filter(is_result=True).values_list("pk", flat=True)) == results
    assert dossier.log.count() == entries

    # Through the workbench the official reads why, and the dossier is unchanged.
    force_login_verified(client, world.receptionist)
    response = client.post(
        f"/mot-cua/ho-so/{dossier.ref}/thao-tac/record_result/",
        {"result": _upload(_tampered(_signed(test_ca, plain_pdf)))},
        follow=True,
    )
    page = response.content.decode()
    assert "Chữ ký số của tệp này bị hỏng" in page, page[:3000]
    assert dossier.log.count() == entries


def test_an_externally_signed_result_is_shown_valid_to_official_and_applicant(
    client, test_ca, trusted, plain_pdf
):
    world = World()
    dossier = world.dossier_in(Status.RESULT_READY)
    services.dossier_record_result(
        dossier_id=dossier.pk,
        actor=world.receptionist,
        upload=_upload(_signed(test_ca, plain_pdf, name="Trần Văn Lãnh Đạo"), "ket-qua.pdf"),
    )
    services.dossier_return_result(dossier_id=dossier.pk, actor=world.receptionist)
    for page in (_workbench(client, world, dossier), _citizen_page(client, world, dossier)):
        assert "Chữ ký số: Hợp lệ" in page and "Trần Văn Lãnh Đạo" in page


def test_approval_refuses_an_expired_signature_and_keeps_the_dossier(test_ca, trusted, plain_pdf):
    world = World()
    dossier = world.dossier_in(Status.AWAITING_APPROVAL)
    entries = dossier.log.count()
    with pytest.raises(DossierError, match="hỏng"):
        services.dossier_approve(
            dossier_id=dossier.pk,
            actor=world.leader,
            result_upload=_upload(_signed(test_ca, plain_pdf, **EXPIRED)),
        )
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL and dossier.log.count() == entries
    assert not dossier.documents.filter(is_result=True).exists()
