"""Exports of the back office: a queue with its filters as CSV or XLSX, and
the dossier register, form 07 (`legal.FORM_TITLES["07"]`, `legal.FORMS`).

Memory stays flat whatever the row count: rows are read in keyset batches (never
OFFSET, never the whole queryset), CSV is streamed line by line, and XLSX is written
by XlsxWriter in constant-memory mode into a temporary file on disk, then streamed from
there. Exports above EXPORT_SYNC_MAX_ROWS run as a Celery task (dossiers.export_tasks)
that stores the file in the private storage as an `ExportJob`.

Scope is applied at the source: a queue export starts from `queues.filtered_queryset`
(the official's agencies), the register from the agencies the official belongs to.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from common import keyset
from dossiers import legal, queues
from dossiers.constants import Action, Status
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierLog, ExportJob
from procedures.constants import ChannelMethod

BATCH = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
CSV_TYPE = "text/csv; charset=utf-8"


def sync_limit() -> int:
    return getattr(settings, "EXPORT_SYNC_MAX_ROWS", 5000)


# --- reading in keyset batches -------------------------------------------------------


def keyset_batches(qs, column: str, desc: bool, fields: Iterable[str], size: int | None = None):
    """Yield `values()` dicts of `qs` ordered by (column NULLS LAST, id), one batch of
    `size` rows in memory at a time; each batch is one indexed query."""
    size = size or BATCH
    fields = list(dict.fromkeys([*fields, "pk", column]))
    ordered = qs.order_by(*keyset.ordering(column, desc)).values(*fields)
    position = None
    while True:
        batch_qs = ordered.filter(keyset.after_q(position, column, desc)) if position else ordered
        # One bounded list per batch rather than .iterator(): a server-side cursor
        # would declare a differently named cursor per batch, and psycopg caches
        # every distinct query text, so memory would creep up with the batch count.
        batch = list(batch_qs[:size])
        yield from batch
        if len(batch) < size:
            return
        position = (batch[-1][column], batch[-1]["pk"])
        del batch


def _fmt_dt(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


# --- the queue export ----------------------------------------------------------------

QUEUE_FIELDS = (
    "code",
    "applicant__full_name",
    "applicant__id_number",
    "version__procedure__code",
    "version__procedure__name",
    "channel",
    "status",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "assignee__full_name",
    "receiving_agency__name",
)


def queue_header() -> list[str]:
    return [
        _("Dossier code"),
        _("Applicant"),
        _("Personal ID number"),
        _("Procedure code"),
        _("Procedure"),
        _("Channel"),
        _("Status"),
        _("Submitted"),
        _("Received"),
        _("Appointment date"),
        _("Finished"),
        _("Assigned to"),
        _("Receiving agency"),
    ]


def queue_rows(scope: queues.OfficialScope, filters: queues.Filters) -> Iterator[list]:
    statuses, channels = dict(Status.choices), dict(ChannelMethod.choices)
    qs = queues.filtered_queryset(scope=scope, filters=filters)
    column, desc = queues.sort_of(filters)
    for r in keyset_batches(qs, column, desc, QUEUE_FIELDS):
        yield [
            r["code"] or "",
            r["applicant__full_name"] or "",
            r["applicant__id_number"] or "",
            r["version__procedure__code"] or "",
            r["version__procedure__name"],
            str(channels.get(r["channel"], r["channel"])),
            str(statuses.get(r["status"], r["status"])),
            _fmt_dt(r["submitted_at"]),
            _fmt_dt(r["received_at"]),
            _fmt_dt(r["due_at"]),
            _fmt_dt(r["finished_at"]),
            r["assignee__full_name"] or "",
            r["receiving_agency__name"],
        ]


def queue_count(scope, filters) -> int:
    return queues.filtered_queryset(scope=scope, filters=filters).count()


# --- form 07: the dossier register ---------------------------------------------------


def register_agencies(official):
    """Agencies whose register this official may export: any role held there."""
    from procedures.models import Agency

    scope = queues.official_scope(official)
    return Agency.objects.filter(pk__in=scope.any_ids).order_by("name")


def _first_log(action: str):
    return Subquery(
        DossierLog.objects.filter(dossier=OuterRef("pk"), action=action)
        .values("dossier")
        .annotate(at=Min("created_at"))
        .values("at")[:1]
    )


def register_queryset(*, official, agency_id: int, start: dt.date, end: dt.date):
    """Dossiers received by `agency_id` between `start` and `end` (inclusive, local
    days); DossierError when the official is not a member of that agency."""
    if agency_id not in queues.official_scope(official).any_ids:
        raise DossierError(_("You are not an official of this agency."))
    if start > end:
        raise DossierError(_("The end date is before the start date."))
    return Dossier.objects.filter(
        receiving_agency_id=agency_id,
        received_at__gte=queues.day_start(start),
        received_at__lt=queues.day_start(end + dt.timedelta(days=1)),
    ).annotate(
        transferred_at=_first_log(Action.ASSIGN),
        result_at=_first_log(Action.APPROVE),
        returned_at=_first_log(Action.RETURN_RESULT),
    )


REGISTER_FIELDS = (
    "code",
    "applicant__full_name",
    "applicant__permanent_address",
    "applicant__phone",
    "applicant__email",
    "version__procedure__name",
    "received_at",
    "due_at",
    "transferred_at",
    "result_at",
    "returned_at",
    "status",
)


def register_header() -> list[str]:
    return [
        _("No."),
        _("Dossier code"),
        _("Applicant"),
        _("Address, phone number, email"),
        _("Procedure"),
        _("Received on"),
        _("Appointment date"),
        _("Transferred for processing on"),
        _("Result on"),
        _("Result returned on"),
        _("Signature of the recipient"),
        _("Note"),
    ]


def register_rows(qs) -> Iterator[list]:
    statuses = dict(Status.choices)
    for n, r in enumerate(keyset_batches(qs, "received_at", False, REGISTER_FIELDS), start=1):
        contact = ", ".join(
            x
            for x in (
                r["applicant__permanent_address"],
                r["applicant__phone"],
                r["applicant__email"],
            )
            if x
        )
        note = ""
        if r["status"] in (Status.REFUSED, Status.STOPPED, Status.WITHDRAWN):
            note = str(statuses[r["status"]])
        yield [
            n,
            r["code"],
            r["applicant__full_name"],
            contact,
            r["version__procedure__name"],
            _fmt_dt(r["received_at"]),
            _fmt_dt(r["due_at"]),
            _fmt_dt(r["transferred_at"]),
            _fmt_dt(r["result_at"]),
            _fmt_dt(r["returned_at"]),
            "",  # signed on paper by the person who collects the result
            note,
        ]


# --- writers -------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    # A spreadsheet opening the CSV would run a text starting with one of these as a
    # formula (CSV injection): an applicant's name is free text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_stream(header, rows) -> Iterator[str]:
    """Line by line; the BOM makes spreadsheet programs read UTF-8 Vietnamese."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def write_xlsx(fileobj, header, rows, *, title: str, heading: list[str] = ()) -> int:
    """XlsxWriter in constant-memory mode: each row is flushed to a temporary file as
    soon as the next one starts and strings are written inline (no shared-strings
    table growing with the data). Text is never read as a formula or a link.
    Returns the number of data rows."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        fileobj,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    ws = wb.add_worksheet(title[:31])
    bold = wb.add_format({"bold": True})
    line = 0
    for text in heading:
        ws.write_string(line, 0, text, bold)
        line += 1
    if heading:
        line += 1
    for col, value in enumerate(header):
        ws.write_string(line, col, value, bold)
    count = 0
    for row in rows:
        line += 1
        for col, value in enumerate(row):
            if value is None or value == "":
                continue  # a blank cell, not an empty string
            if isinstance(value, int):
                ws.write_number(line, col, value)
            else:
                ws.write_string(line, col, value)
        count += 1
    wb.close()
    return count


def write_csv(fileobj, header, rows) -> int:
    lines = 0
    for line in csv_stream(header, rows):
        fileobj.write(line.encode())
        lines += 1
    return lines - 1  # the header line is not a row


def xlsx_tempfile(header, rows, **kw):
    """(temporary file positioned at 0, row count); the caller streams then closes it."""
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by file_chunks after streaming
    count = write_xlsx(tmp, header, rows, **kw)
    tmp.seek(0)
    return tmp, count


def file_chunks(fileobj, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := fileobj.read(size):
            yield chunk
    finally:
        fileobj.close()


# --- export jobs (large exports) -----------------------------------------------------


def export_job_create(*, owner, kind: str, fmt: str, params: dict, title: str) -> ExportJob:
    """Record the request and queue the task once the row is committed."""
    from dossiers.export_tasks import export_run

    formats = ("xlsx", "csv", "pdf") if kind == "register" else ("xlsx", "csv")
    if kind not in ("queue", "register") or fmt not in formats:
        raise DossierError(_("Unknown export."))
    with transaction.atomic():
        job = ExportJob.objects.create(
            owner=owner, kind=kind, format=fmt, params=params, title=title[:200]
        )
        transaction.on_commit(lambda: export_run.delay(job.pk))
    return job


def filters_to_params(filters: queues.Filters) -> dict:
    data = asdict(filters)
    for key in ("received_from", "received_to"):
        if data[key]:
            data[key] = data[key].isoformat()
    return data


def filters_from_params(params: dict) -> queues.Filters:
    data = dict(params)
    for key in ("received_from", "received_to"):
        if data.get(key):
            data[key] = dt.date.fromisoformat(data[key])
    return queues.Filters(**data)


def _job_rows(job: ExportJob):
    """(header, rows, heading) for the job, scoped to its owner *now* (a membership
    removed since the request is honoured)."""
    if job.kind == "queue":
        scope = queues.official_scope(job.owner)
        filters = filters_from_params(job.params)
        return queue_header(), queue_rows(scope, filters), []
    start = dt.date.fromisoformat(job.params["start"])
    end = dt.date.fromisoformat(job.params["end"])
    qs = register_queryset(official=job.owner, agency_id=job.params["agency"], start=start, end=end)
    return register_header(), register_rows(qs), register_heading(job.params["agency"], start, end)


def _write_register_pdf(fileobj, job: ExportJob) -> int:
    """Form 07 as a PDF sealed with the agency's certificate (the register's job)."""
    from dossiers.services.signatures import register_issue

    content, count = register_issue(
        official=job.owner,
        agency_id=job.params["agency"],
        start=dt.date.fromisoformat(job.params["start"]),
        end=dt.date.fromisoformat(job.params["end"]),
    )
    fileobj.write(content)
    return count


def register_pdf_sync_limit() -> int:
    """Rows up to which the signed PDF of form 07 is made in the request: WeasyPrint
    lays a few hundred rows out in seconds, not thousands."""
    return min(sync_limit(), settings.EXPORT_PDF_SYNC_MAX_ROWS)


def register_heading(agency_id: int, start: dt.date, end: dt.date) -> list[str]:
    from procedures.models import Agency

    agency = Agency.objects.get(pk=agency_id)
    return [
        agency.name,
        f"{legal.FORM_TITLES['07'].upper()} ({_('form')} 07, {legal.CIRCULAR_03_2025.number})",
        _("Received from %(start)s to %(end)s")
        % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")},
    ]


def export_job_run(job_id: int) -> ExportJob:
    """PENDING/FAILED -> RUNNING -> DONE (file stored) or FAILED (error kept).
    Idempotent: a job already DONE is left alone (acks_late may redeliver it)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("owner").get(pk=job_id)
        if job.status == ExportJob.State.DONE:
            return job
        job.status = ExportJob.State.RUNNING
        job.save(update_fields=["status"])
    try:
        with tempfile.TemporaryFile() as tmp:
            if job.format == "pdf":
                count = _write_register_pdf(tmp, job)
            elif job.format == "xlsx":
                header, rows, heading = _job_rows(job)
                count = write_xlsx(tmp, header, rows, title=job.title, heading=heading)
            else:
                header, rows, heading = _job_rows(job)
                count = write_csv(tmp, header, rows)
            tmp.seek(0)
            name = f"{job.kind}-{job.pk}.{job.format}"
            job.file.save(name, File(tmp, name=name), save=False)
    except DossierError as error:
        job.status, job.error = ExportJob.State.FAILED, " ".join(error.messages)
    except Exception:
        # Never leave a job "being prepared" forever: the owner sees it failed, and the
        # error goes to the worker's log (re-raised) for the administrators.
        job.status, job.finished_at = ExportJob.State.FAILED, timezone.now()
        job.error = _("The export failed. Please try again later.")
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    else:
        job.status, job.row_count = ExportJob.State.DONE, count
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "error", "row_count", "file", "finished_at"])
        if job.status == ExportJob.State.DONE:
            # The owner hears about it in the notification centre (and by email if they
            # chose "immediately"), through the outbox like every other event.
            from dossiers.outbox import emit

            emit("export_ready", actor=job.owner, data={"export": job.pk, "title": job.title})
    return job


def export_jobs_of(owner):
    return ExportJob.objects.filter(owner=owner).order_by("-created_at", "-id")


def export_jobs_page(*, owner, after: str | None = None, size: int = 20):
    """One page of "My exports", newest first, keyset-paginated on (created_at, id)
    like My documents (the `exportjob_owner` index): one query at any number of jobs."""
    from common.keyset import newest_first_page

    return newest_first_page(export_jobs_of(owner), after=after, size=size)
