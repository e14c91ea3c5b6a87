"""Exports: the filtered queue as CSV and XLSX (read back), scope (another agency's
dossiers never appear), the large path through an ExportJob, owner-only downloads,
and the dossier register (form 07)."""

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dossiers import exports
from dossiers.constants import Status
from dossiers.models import Dossier, ExportJob
from tests.backoffice.worlds import two_wards
from tests.helpers import force_login_verified
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wards():
    a, b = two_wards()
    a.d = [a.dossier_built(s) for s in (Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING)]
    a.done = a.dossier_built(Status.RETURNED)
    b.d = [b.dossier_built(s) for s in (Status.RECEIVED, Status.RETURNED)]
    return a, b


def _body(response) -> bytes:
    assert response.streaming, "exports must stream"
    return b"".join(response.streaming_content)


def _csv(response):
    text = _body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(data: bytes):
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_csv_export_holds_exactly_the_filtered_queue(client, wards):
    a, _b = wards
    force_login_verified(client, a.leader)
    response = client.post("/mot-cua/xuat/?hang-doi=all&status=processing", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][0] == "Mã hồ sơ"
    assert [r[0] for r in rows[1:]] == [a.d[2].code]
    assert rows[1][1] == "Phạm Thu Hà"
    assert rows[1][6] == "Đang xử lý"


def test_xlsx_export_in_the_queue_order_and_scope(client, wards):
    a, b = wards
    force_login_verified(client, a.receptionist)
    response = client.post("/mot-cua/xuat/?hang-doi=all&sort=code", {"format": "xlsx"})
    assert response["Content-Type"] == exports.XLSX_TYPE
    rows = _xlsx(_body(response))
    codes = [r[0] for r in rows[1:]]
    assert codes == sorted(d.code for d in [*a.d, a.done])
    assert not {d.code for d in b.d} & set(codes)  # another agency's dossiers never appear


def test_another_agency_official_exports_only_their_own(client, wards):
    _a, b = wards
    force_login_verified(client, b.leader)
    rows = _csv(client.post("/mot-cua/xuat/?hang-doi=all", {"format": "csv"}))
    assert {r[0] for r in rows[1:]} == {d.code for d in b.d}


def test_a_name_that_looks_like_a_formula_is_neutralised(client, wards):
    a, _b = wards
    a.applicant.full_name = '=HYPERLINK("http://x")'
    a.applicant.save(update_fields=["full_name"])
    force_login_verified(client, a.leader)
    rows = _csv(client.post("/mot-cua/xuat/?hang-doi=all", {"format": "csv"}))
    assert rows[1][1].startswith("'=")


def test_exports_are_for_officials_only(client, wards):
    response = client.post("/mot-cua/xuat/?hang-doi=all", {"format": "csv"})
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    client.force_login(UserFactory())
    assert client.post("/mot-cua/xuat/", {"format": "csv"}).status_code == 403
    a, _b = wards
    force_login_verified(client, a.leader)
    assert client.post("/mot-cua/xuat/", {"format": "pdf"}).status_code == 404
    assert client.get("/mot-cua/xuat/?format=csv").status_code == 405


def test_a_large_export_becomes_a_job_that_only_its_owner_downloads(
    client, wards, settings, django_capture_on_commit_callbacks
):
    a, b = wards
    settings.EXPORT_SYNC_MAX_ROWS = 2
    force_login_verified(client, a.leader)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/mot-cua/xuat/?hang-doi=all&sort=code", {"format": "xlsx"})
    assert response.status_code == 302 and response["Location"] == "/mot-cua/xuat/cua-toi/"
    assert len(queued) == 1  # the task is sent once the job row is committed
    job = ExportJob.objects.get()
    assert (job.owner, job.status, job.kind) == (a.leader, ExportJob.State.PENDING, "queue")

    exports.export_job_run(job.pk)  # what the worker runs (a real worker: test_exports_worker)

    job.refresh_from_db()
    assert job.status == ExportJob.State.DONE and job.row_count == 4 and job.finished_at
    # The owner is told through the outbox (notification centre), nobody else.
    from dossiers.models import OutboxEvent
    from dossiers.outbox import fan_out

    event = OutboxEvent.objects.get(kind="export_ready")
    assert event.actor == a.leader and event.data["export"] == job.pk
    fan_out()
    assert {d.recipient for d in event.deliveries.all()} == {f"user:{a.leader.pk}"}
    page = client.get("/mot-cua/xuat/cua-toi/").content.decode()
    assert f"/mot-cua/xuat/cua-toi/{job.pk}/" in page
    download = client.get(f"/mot-cua/xuat/cua-toi/{job.pk}/")
    data = b"".join(download.streaming_content)
    assert [r[0] for r in _xlsx(data)[1:]] == sorted(d.code for d in [*a.d, a.done])
    # Nobody else: another official of the same agency, another agency, a citizen.
    for other in (a.receptionist, b.leader):
        force_login_verified(client, other)
        assert client.get(f"/mot-cua/xuat/cua-toi/{job.pk}/").status_code == 404
        assert (
            f"/mot-cua/xuat/cua-toi/{job.pk}/"
            not in client.get("/mot-cua/xuat/cua-toi/").content.decode()
        )
    client.force_login(UserFactory())
    assert client.get(f"/mot-cua/xuat/cua-toi/{job.pk}/").status_code == 403


def test_a_job_is_scoped_when_it_runs_and_runs_once(wards):
    a, _b = wards
    job = ExportJob.objects.create(
        owner=a.leader,
        kind="queue",
        format="csv",
        title="t",
        params=exports.filters_to_params(exports.queues.Filters(queue="all")),
    )
    exports.export_job_run(job.pk)
    job.refresh_from_db()
    first = job.file.name
    text = job.file.open("rb").read().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 5 == job.row_count + 1
    exports.export_job_run(job.pk)  # a redelivered task leaves a finished job alone
    job.refresh_from_db()
    assert job.file.name == first


def _register(client, agency, start, end):
    return client.post(
        "/mot-cua/so-theo-doi/",
        {"agency": agency.pk, "start": start.isoformat(), "end": end.isoformat()},
    )


def test_register_form_07_lists_the_agency_dossiers_of_the_period(client, wards):
    a, b = wards
    force_login_verified(client, a.receptionist)
    today = timezone.localdate()
    response = _register(client, a.agency, today, today)
    assert response.status_code == 200
    rows = _xlsx(_body(response))
    assert rows[0][0] == a.agency.name
    assert "SỔ THEO DÕI HỒ SƠ" in rows[1][0]
    header = rows[4]
    assert header[:2] == ["STT", "Mã hồ sơ"] and len(header) == 12
    assert header[-2:] == ["Ký nhận", "Ghi chú"]
    data = rows[5:]
    received = [a.d[1], a.d[2], a.done]  # the submitted one was never received
    assert [r[1] for r in data] == [d.code for d in received]
    assert [r[0] for r in data] == [1, 2, 3]
    returned = data[2]
    assert returned[7] and returned[8] and returned[9]  # transferred, result, returned
    assert data[0][7] is None  # received, not yet transferred
    assert not {d.code for d in b.d} & {r[1] for r in data}


def test_register_refuses_another_agency_and_a_reversed_period(client, wards):
    a, b = wards
    force_login_verified(client, a.receptionist)
    today = timezone.localdate()
    response = _register(client, b.agency, today, today)
    assert response.status_code == 400
    assert b.d[0].code not in response.content.decode()
    assert client.get("/mot-cua/so-theo-doi/").status_code == 200
    bad = client.post(
        "/mot-cua/so-theo-doi/",
        {"agency": a.agency.pk, "start": "2026-11-20", "end": "2026-11-01"},
    )
    assert bad.status_code == 400
    assert "Ngày kết thúc trước ngày bắt đầu" in bad.content.decode()


def test_register_counts_are_unaffected_by_drafts(wards):
    a, _b = wards
    a.dossier_built(Status.DRAFT)
    today = timezone.localdate()
    qs = exports.register_queryset(official=a.leader, agency_id=a.agency.pk, start=today, end=today)
    assert (
        qs.count()
        == Dossier.objects.filter(receiving_agency=a.agency).exclude(received_at=None).count()
    )


def test_a_crashing_job_is_marked_failed_not_left_running(wards, monkeypatch):
    a, _b = wards
    job = ExportJob.objects.create(
        owner=a.leader, kind="queue", format="csv", title="t", params={"queue": "all"}
    )

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_csv", boom)
    with pytest.raises(RuntimeError):
        exports.export_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.State.FAILED and job.finished_at and job.error


def test_my_exports_pages_by_keyset_with_a_fixed_query_count(
    client, wards, django_assert_max_num_queries
):
    a, _b = wards
    force_login_verified(client, a.leader)
    same_time = timezone.now()
    for i in range(25):  # ties on created_at: the id breaks them
        ExportJob.objects.create(
            owner=a.leader, kind="queue", format="csv", title=f"Xuất {i:02d}", created_at=same_time
        )
    ExportJob.objects.create(
        owner=a.receptionist, kind="queue", format="csv", title="Của người khác"
    )

    seen, url = [], "/mot-cua/xuat/cua-toi/"
    while url:
        with django_assert_max_num_queries(12):
            html = client.get(url).content.decode()
        seen += [t for t in (f"Xuất {i:02d}" for i in range(25)) if t in html]
        assert "Của người khác" not in html
        marker = 'href="?sau='
        url = (
            "/mot-cua/xuat/cua-toi/" + html[html.index(marker) + 6 :].split('"')[0]
            if marker in html
            else None
        )
    assert sorted(seen) == [f"Xuất {i:02d}" for i in range(25)]  # each once
