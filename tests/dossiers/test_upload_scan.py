"""The virus scan of every upload: clamd's INSTREAM against a stand-in clamd on
loopback; an infected file is refused with a message and leaves nothing behind; a
scanner that cannot answer refuses the upload ("try again"); without a scanner
uploads are stored as they are."""

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from dossiers import services
from dossiers.constants import Status
from dossiers.files import FileRejected
from dossiers.models import DossierDocument, DossierLog, StoredFile
from dossiers.scanning import CLEAN, ERROR, INFECTED, ClamdScanner, Verdict, get_scanner
from tests.dossiers.clamd_standin import SIGNATURE_MARK, closed_address, running_clamd
from tests.dossiers.factories import PDF, World, pdf

pytestmark = pytest.mark.django_db

INFECTED_PDF = PDF + b"%" + SIGNATURE_MARK + b"\n"
# Larger than one INSTREAM chunk, so the stream is sent in several.
BIG_PDF = PDF + b"%" + b"x" * (3 * ClamdScanner.CHUNK + 17) + b"\n"


def _stored_keys(path=""):
    storage = storages["private"]
    dirs, files = storage.listdir(path)
    keys = [f"{path}{name}" for name in files]
    for d in dirs:
        keys += _stored_keys(f"{path}{d}/")
    return keys


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def clamd(settings):
    with running_clamd() as (server, address):
        settings.DOSSIER_UPLOAD_SCANNER = "dossiers.scanning.ClamdScanner"
        settings.DOSSIER_CLAMD_ADDRESS = address
        settings.DOSSIER_CLAMD_TIMEOUT = 2
        yield server


def test_clamd_client_speaks_instream_over_tcp():
    with running_clamd() as (server, address):
        scanner = ClamdScanner(address, timeout=2)
        assert scanner.scan(BIG_PDF) == Verdict.clean()
        assert scanner.scan(INFECTED_PDF) == Verdict(INFECTED, "Eicar-Test-Signature")
    assert server.commands == [b"zINSTREAM\0"] * 2
    assert server.streams == [BIG_PDF, INFECTED_PDF]


def test_clamd_client_speaks_instream_over_a_unix_socket(tmp_path):
    with running_clamd(unix_path=str(tmp_path / "clamd.ctl")) as (server, address):
        assert ClamdScanner(address, timeout=2).scan(INFECTED_PDF).status == INFECTED
    assert server.streams == [INFECTED_PDF]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda: running_clamd(reply=b"INSTREAM size limit exceeded. ERROR\0"), id="err"
        ),
        pytest.param(lambda: running_clamd(silent=True), id="hung"),
        pytest.param(lambda: running_clamd(reply=b""), id="no-reply"),
    ],
)
def test_a_scanner_that_cannot_answer_gives_an_error_verdict(make):
    with make() as (_server, address):
        verdict = ClamdScanner(address, timeout=0.5).scan(PDF)
    assert verdict.status == ERROR and verdict.detail


def test_clamd_down_and_a_bad_address_give_an_error_verdict():
    assert ClamdScanner(closed_address(), timeout=1).scan(PDF).status == ERROR
    assert ClamdScanner("http://clamav", timeout=1).scan(PDF).status == ERROR


def test_a_clean_upload_is_scanned_then_stored(clamd, world):
    dossier = world.dossier_in(Status.PROCESSING)
    message = services.dossier_message_send(
        dossier_id=dossier.pk, actor=world.applicant, body="Bản chụp", upload=pdf("a.pdf", BIG_PDF)
    )
    assert clamd.streams[-1] == BIG_PDF
    assert message.attachment.file.read() == BIG_PDF


def test_an_infected_upload_is_refused_and_nothing_is_written(client, clamd, world):
    dossier = world.draft()
    client.force_login(world.applicant)
    keys = _stored_keys()

    response = client.post(
        reverse("portal:dossier-edit", kwargs={"ref": dossier.ref}),
        {"upload": "1", "required_document": world.document.pk, "file": pdf("x.pdf", INFECTED_PDF)},
    )

    assert response.status_code == 200
    assert "Tệp “x.pdf” có chứa virus nên không được nhận." in response.content.decode()
    assert clamd.streams == [INFECTED_PDF]
    assert not StoredFile.objects.exists() and not DossierDocument.objects.exists()
    assert _stored_keys() == keys


def test_an_infected_file_among_several_leaves_none_of_them(clamd, world):
    dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)
    rows, logs, keys = StoredFile.objects.count(), DossierLog.objects.count(), _stored_keys()
    scanned = len(clamd.streams)  # the draft's own file

    with pytest.raises(FileRejected):
        services.dossier_supplement(
            dossier_id=dossier.pk,
            actor=world.applicant,
            uploads=[pdf("sach.pdf"), pdf("nhiem.pdf", INFECTED_PDF)],
        )

    assert len(clamd.streams) == scanned + 2
    assert (StoredFile.objects.count(), DossierLog.objects.count()) == (rows, logs)
    assert _stored_keys() == keys
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED


def test_clamd_down_refuses_the_upload_with_try_again(client, settings, world):
    dossier = world.dossier_in(Status.PROCESSING)
    settings.DOSSIER_UPLOAD_SCANNER = "dossiers.scanning.ClamdScanner"
    settings.DOSSIER_CLAMD_ADDRESS = closed_address()
    client.force_login(world.applicant)
    keys = _stored_keys()
    rows = StoredFile.objects.count()

    response = client.post(
        reverse("portal:dossier-message", args=[dossier.ref]),
        {"body": "Kèm tệp", "attachment": pdf("ban-chup.pdf")},
    )

    assert response.status_code == 400
    assert "Vui lòng thử lại sau ít phút" in response.content.decode()
    assert StoredFile.objects.count() == rows and not dossier.messages.exists()
    assert _stored_keys() == keys


def test_without_a_scanner_uploads_are_stored_and_nothing_is_asked(settings, world):
    settings.DOSSIER_UPLOAD_SCANNER = ""
    assert get_scanner().scan(INFECTED_PDF).status == CLEAN
    with running_clamd() as (server, address):
        settings.DOSSIER_CLAMD_ADDRESS = address
        dossier = world.dossier_in(Status.PROCESSING)
        message = services.dossier_message_send(
            dossier_id=dossier.pk, actor=world.applicant, body="x", upload=pdf("a.pdf")
        )
    assert message.attachment.name == "a.pdf" and server.connections == 0


def test_production_takes_the_scanner_from_the_environment_and_refuses_the_old_hook():
    from tests.test_settings import PRODUCTION_BACKENDS, REAL_KEY, run_check

    env = {"SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": "motcua.example.gov.vn", **PRODUCTION_BACKENDS}
    scanner = "dossiers.scanning.ClamdScanner"
    ok = run_check("config.settings.production", DOSSIER_UPLOAD_SCANNER=scanner, **env)
    assert ok.returncode == 0, ok.stderr
    old = run_check("config.settings.production", DOSSIER_VIRUS_SCANNER="x.scan", **env)
    assert old.returncode != 0 and "DOSSIER_UPLOAD_SCANNER" in old.stderr
