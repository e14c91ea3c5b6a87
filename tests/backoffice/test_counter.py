"""Counter intake: a walk-in applicant's paper dossier filed and received in one step,
or nothing written at all."""

import datetime
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers.constants import Action, ActorRole, EventKind, StandardForm, Status
from dossiers.models import (
    Dossier,
    DossierDocument,
    DossierLog,
    IssuedDocument,
    OutboxEvent,
    StoredFile,
)
from identity.constants import OfficialRole, VerificationLevel
from identity.models import AccountEvent, RegistryResident
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World, pdf
from tests.dossiers.test_documents import pdf_text
from tests.helpers import force_login_verified
from tests.identity.factories import UserFactory, make_official

pytestmark = pytest.mark.django_db

URL = "/mot-cua/tiep-nhan/"
ID = "079190000888"
BIRTH = datetime.date(1990, 5, 6)
MSG_NOT_RECEIVED = "Cơ quan này không tiếp nhận hồ sơ của thủ tục này."


@pytest.fixture
def world():
    return World()


@pytest.fixture
def resident():
    return RegistryResident.objects.create(
        id_number=ID,
        full_name="Trần Thị Mai",
        birth_date=BIRTH,
        sex="female",
        permanent_address="12 Nguyễn Huệ, Phường Sài Gòn",
    )


def _form_url(world):
    return f"{URL}?co_quan={world.agency.pk}&truong_hop={world.case.pk}"


def _data(world, **over):
    data = {
        "nguoi-id_number": ID,
        "nguoi-full_name": "trần thị  MAI",
        "nguoi-birth_date": BIRTH.isoformat(),
        "nguoi-note": "Bản giấy đã đối chiếu",
        "tk-full_name": "Trần Thị Mai",
        "tk-purpose": "Đăng ký",
        f"gt-file_{world.document.pk}": pdf("to-khai-scan.pdf"),
        f"gt-digitised_{world.document.pk}": "on",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _counts():
    return (
        Dossier.objects.count(),
        DossierDocument.objects.count(),
        DossierLog.objects.count(),
        StoredFile.objects.count(),
        get_user_model().objects.count(),
    )


def test_walk_in_is_filed_received_and_seen_in_the_portal(client, world, resident):
    force_login_verified(client, world.receptionist)
    page = client.get(_form_url(world))
    assert page.status_code == 200
    assert "Tờ khai đăng ký" in page.content.decode()  # the case's document to scan

    response = client.post(_form_url(world), _data(world))

    dossier = Dossier.objects.get(applicant__id_number=ID)
    assert response.status_code == 302
    assert response["Location"] == f"/mot-cua/tiep-nhan/{dossier.ref}/"
    assert dossier.status == Status.RECEIVED
    assert dossier.channel == "direct"
    assert dossier.code.startswith(world.agency.code)
    assert dossier.received_at is not None and dossier.due_at is not None
    assert dossier.form_data["full_name"] == "Trần Thị Mai"
    document = dossier.documents.get()
    assert document.digitised and document.required_document == world.document
    # A new level-1 account with the registry's spelling and no usable password.
    applicant = dossier.applicant
    assert applicant.full_name == "Trần Thị Mai"
    assert applicant.birth_date == BIRTH
    assert applicant.verification_level == VerificationLevel.SELF_DECLARED
    assert not applicant.has_usable_password()
    assert AccountEvent.objects.get(user=applicant).actor == world.receptionist
    # The log: created, submitted, received, each by the desk for the applicant.
    # (Then the system's row for form 01's file.)
    rows = list(dossier.log.exclude(action=Action.DOCUMENT_WRITTEN).order_by("seq"))
    assert [r.action for r in rows] == [Action.CREATE, Action.SUBMIT, Action.RECEIVE]
    assert {r.actor for r in rows} == {world.receptionist}
    assert {r.actor_role for r in rows} == {ActorRole.RECEPTIONIST}
    assert rows[1].data["documents"][0]["digitised"] is True
    assert rows[2].note == "Bản giấy đã đối chiếu"

    done = client.get(response["Location"])
    assert dossier.code in done.content.decode()
    receipt = client.get(f"/mot-cua/tiep-nhan/{dossier.ref}/bien-nhan.pdf")
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    content = b"".join(receipt.streaming_content)
    assert content.startswith(b"%PDF")
    # The receipt is the form 01 the intake issued and the log names, not a re-rendering.
    issued = IssuedDocument.objects.get(dossier=dossier)
    assert issued.form == StandardForm.RECEIPT and issued.log == rows[2]
    written = dossier.log.get(action=Action.DOCUMENT_WRITTEN)
    assert rows[2].data["document"] == {"form": "01", "number": issued.number}
    assert (
        hashlib.sha256(content).hexdigest() == issued.sha256 == written.data["document"]["sha256"]
    )
    text = pdf_text(content)
    assert dossier.code in text and "Trần Thị Mai" in text
    assert timezone.localtime(dossier.received_at).strftime("%d/%m/%Y") in text
    assert receipt["X-Content-Type-Options"] == "nosniff"
    # The outbox holds both changes, written with the intake.
    assert list(
        OutboxEvent.objects.filter(dossier=dossier).order_by("pk").values_list("kind", flat=True)
    ) == [EventKind.SUBMITTED, EventKind.RECEIVED]

    # The applicant, once they claim the account, finds the dossier in the portal.
    client.logout()
    client.force_login(applicant)
    mine = client.get("/ho-so/")
    assert dossier.code in mine.content.decode()
    assert client.get(f"/ho-so/{dossier.ref}/").status_code == 200


def test_existing_account_is_reused_without_asking_the_registry(client, world):
    known = UserFactory(citizen=True, full_name="Nguyễn Thị Hoa")
    force_login_verified(client, world.receptionist)
    users = get_user_model().objects.count()

    client.post(
        _form_url(world),
        _data(world, **{"nguoi-id_number": known.id_number, "nguoi-full_name": "Nguyễn Thị Hoa"}),
    )

    assert Dossier.objects.get().applicant == known
    assert get_user_model().objects.count() == users


def test_unknown_id_number_is_refused_with_a_clear_message(client, world):
    force_login_verified(client, world.receptionist)
    before = _counts()

    response = client.post(_form_url(world), _data(world))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Chưa có gì được lưu." in html
    assert "Không có ai mang số định danh cá nhân này" in html
    assert _counts() == before


def test_name_not_matching_the_registry_writes_nothing(client, world, resident):
    force_login_verified(client, world.receptionist)
    before = _counts()

    response = client.post(_form_url(world), _data(world, **{"nguoi-full_name": "Lê Văn Tám"}))

    assert response.status_code == 400
    assert "Họ tên hoặc ngày sinh không khớp" in response.content.decode()
    assert _counts() == before


def test_invalid_upload_writes_nothing_not_even_the_account(client, world, resident, tmp_path):
    force_login_verified(client, world.receptionist)
    before = _counts()
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    response = client.post(_form_url(world), _data(world, **{f"gt-file_{world.document.pk}": fake}))

    assert response.status_code == 400
    assert _counts() == before
    assert not get_user_model().objects.filter(id_number=ID).exists()


def test_missing_required_scan_is_refused(client, world, resident):
    force_login_verified(client, world.receptionist)
    before = _counts()

    response = client.post(_form_url(world), _data(world, **{f"gt-file_{world.document.pk}": None}))

    assert response.status_code == 400
    assert _counts() == before


def test_procedure_not_received_by_this_desk_is_refused():
    a, b = two_wards()
    from django.test import Client

    client = force_login_verified(Client(), a.receptionist)
    RegistryResident.objects.create(
        id_number=ID, full_name="Trần Thị Mai", birth_date=BIRTH, sex="female"
    )
    before = _counts()
    # Ward B's case, forged into ward A's desk.
    url = f"{URL}?co_quan={a.agency.pk}&truong_hop={b.case.pk}"
    data = _data(a, **{f"gt-file_{a.document.pk}": None, f"gt-file_{b.document.pk}": pdf()})

    response = client.post(url, data)

    assert response.status_code == 400
    assert MSG_NOT_RECEIVED in response.content.decode()
    assert _counts() == before
    # And the picker never offers it.
    picker = client.get(URL).content.decode()
    assert f'value="{b.case.pk}"' not in picker
    assert f'value="{a.case.pk}"' in picker


@pytest.mark.parametrize("who", ["specialist", "leader", "other_desk", "citizen", "anonymous"])
def test_only_the_desk_may_use_the_counter(client, world, resident, who):
    if who == "anonymous":
        response = client.get(URL)
        assert response.status_code == 302 and "/mot-cua/dang-nhap/" in response["Location"]
        assert client.post(_form_url(world), _data(world)).status_code == 302
        assert not Dossier.objects.exists()
        return
    user = {
        "specialist": world.specialist,
        "leader": world.leader,
        "other_desk": make_official(OfficialRole.SPECIALIST, "000.00.99.H29"),
        "citizen": world.applicant,
    }[who]
    force_login_verified(client, user)

    assert client.get(URL).status_code == 403
    assert client.post(_form_url(world), _data(world)).status_code == 403
    assert not Dossier.objects.exists()


def test_desk_of_another_agency_cannot_open_the_receipt(client, world, resident):
    force_login_verified(client, world.receptionist)
    client.post(_form_url(world), _data(world))
    dossier = Dossier.objects.get()
    other = make_official(OfficialRole.RECEPTIONIST, "000.00.99.H29")
    force_login_verified(client, other)

    assert client.get(f"/mot-cua/tiep-nhan/{dossier.ref}/bien-nhan.pdf").status_code == 404
    assert client.get(f"/mot-cua/tiep-nhan/{dossier.ref}/").status_code == 404


def test_service_failure_after_the_scan_leaves_no_file_on_storage(world, resident, monkeypatch):
    """The declaration is checked after the files are stored: the rollback must take
    the stored files with it, as well as every row."""
    from django.core.files.storage import storages

    from dossiers import services as counter
    from dossiers.services import DossierIncomplete

    storage = storages["private"]
    saved, deleted = [], []
    real_save, real_delete = storage.save, storage.delete
    monkeypatch.setattr(
        storage, "save", lambda name, *a, **kw: saved.append(real_save(name, *a, **kw)) or saved[-1]
    )
    monkeypatch.setattr(storage, "delete", lambda name: deleted.append(name) or real_delete(name))
    before = _counts()

    with pytest.raises(DossierIncomplete):
        counter.counter_intake(
            actor=world.receptionist,
            receiving_agency=world.agency,
            case=world.case,
            id_number=ID,
            full_name="Trần Thị Mai",
            birth_date=BIRTH,
            declaration={},  # "Họ và tên" is required
            documents=[
                counter.ScannedDocument(upload=pdf(), required_document_id=world.document.pk)
            ],
        )

    assert _counts() == before
    assert saved and deleted == saved
    assert not storage.exists(saved[0])


def test_walk_in_claims_the_account_by_sms(
    client, world, resident, sms_outbox, celery_eager, django_capture_on_commit_callbacks
):
    import re

    force_login_verified(client, world.receptionist)
    client.post(_form_url(world), _data(world, **{"nguoi-phone": "0912 345 678"}))
    applicant = Dossier.objects.get().applicant
    assert applicant.phone == "0912345678" and not applicant.has_usable_password()
    client.logout()

    from django.test import Client

    citizen = Client()
    with django_capture_on_commit_callbacks(execute=True):
        citizen.post("/quen-mat-khau/", {"identifier": "0912345678"})
    code = re.search(r"\b(\d{6})\b", sms_outbox.messages()[-1]["message"]).group(1)
    response = citizen.post(
        "/quen-mat-khau/ma-sms/",
        {"code": code, "new_password1": "Moc-Chau-2026-moi", "new_password2": "Moc-Chau-2026-moi"},
    )

    assert response["Location"] == "/dang-nhap/"
    applicant.refresh_from_db()
    assert applicant.check_password("Moc-Chau-2026-moi")


def test_phone_of_another_account_is_refused(client, world, resident):
    UserFactory(phone="0912345678")
    force_login_verified(client, world.receptionist)
    before = _counts()

    response = client.post(_form_url(world), _data(world, **{"nguoi-phone": "0912345678"}))

    assert response.status_code == 400
    assert _counts() == before


def test_account_created_meanwhile_by_another_desk_is_used(world, resident, monkeypatch):
    """Two desks, same new applicant: the second insert hits the unique ID number; the
    intake goes on with the account the first desk created."""
    from dossiers import services as counter
    from dossiers.services import counter as intake

    first = UserFactory(id_number=ID, full_name="Trần Thị Mai")
    calls = []

    def racing(id_number):
        calls.append(id_number)
        return None  # missed by the look before the insert

    monkeypatch.setattr(intake, "account_by_id_number", racing)

    dossier = counter.counter_intake(
        actor=world.receptionist,
        receiving_agency=world.agency,
        case=world.case,
        id_number=ID,
        full_name="Trần Thị Mai",
        birth_date=BIRTH,
        declaration={"full_name": "Trần Thị Mai"},
        documents=[counter.ScannedDocument(upload=pdf(), required_document_id=world.document.pk)],
    )

    assert dossier.applicant == first
    assert dossier.status == Status.RECEIVED
    assert calls == [ID]


def test_an_incomplete_walk_in_gets_form_02_and_the_desk_records_the_supplement(
    client, world, resident
):
    force_login_verified(client, world.receptionist)
    response = client.post(
        _form_url(world),
        _data(world, outcome="supplement", **{"nguoi-supplement": "Tờ khai chưa ký tên."}),
    )
    dossier = Dossier.objects.get(applicant__id_number=ID)
    assert response.status_code == 302
    assert dossier.status == Status.DESK_SUPPLEMENT and dossier.due_at is None
    done = client.get(response["Location"]).content.decode()
    assert "mẫu 02" in done and "Tờ khai chưa ký tên." not in done
    issued = IssuedDocument.objects.get(dossier=dossier)
    assert issued.form == StandardForm.SUPPLEMENT
    assert client.get(f"/mot-cua/ho-so/{dossier.ref}/mau/{issued.pk}.pdf").status_code == 200

    # The applicant comes back with the signed form: the desk scans it in, the dossier is
    # back at the desk (not in processing), and the desk receives it.
    page = client.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    assert 'id="action-supplement"' in page and 'id="action-request_supplement"' not in page
    client.post(
        f"/mot-cua/ho-so/{dossier.ref}/thao-tac/supplement/",
        {"files": [pdf("to-khai-da-ky.pdf")], "digitised": "on", "note": "Đã ký"},
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    added = dossier.documents.get(file__original_name="to-khai-da-ky.pdf")
    assert added.digitised and added.file.owner == dossier.applicant
    row = dossier.log.get(action=Action.SUPPLEMENT)
    assert row.actor == world.receptionist and row.data["phase"] == "desk"


def test_asking_for_a_supplement_needs_what_is_missing(client, world, resident):
    force_login_verified(client, world.receptionist)
    before = _counts()
    response = client.post(_form_url(world), _data(world, outcome="supplement"))
    assert response.status_code == 400
    assert "Ghi rõ giấy tờ còn thiếu hoặc chưa hợp lệ" in response.content.decode()
    assert _counts() == before
