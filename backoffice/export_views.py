"""Exports: the current queue as CSV or XLSX, the dossier register (form 07, as XLSX
or as a PDF sealed with the agency's certificate), and "My exports" for the large ones
prepared by Celery.

The export buttons POST (a large export creates an ExportJob: a write), to the same
query string as the queue, so the export holds exactly the filtered rows. Up to
EXPORT_SYNC_MAX_ROWS rows the file streams back in the response.
"""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.gate import official_required
from backoffice.queue_state import queue_state
from dossiers import exports, queues, services
from dossiers.errors import DossierError
from dossiers.models import ExportJob
from web.forms import AccessibleFormMixin
from web.responses import pdf_response, with_download_headers

FORMATS = ("csv", "xlsx")


def _stream(fmt: str, header, rows, filename: str, **xlsx):
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(header, rows), content_type=exports.CSV_TYPE
        )
    else:
        tmp, _count = exports.xlsx_tempfile(header, rows, **xlsx)
        response = StreamingHttpResponse(exports.file_chunks(tmp), content_type=exports.XLSX_TYPE)
    return with_download_headers(response, f"{filename}.{fmt}")


@require_POST
@official_required
def queue_export(request):
    fmt = request.POST.get("format", "")
    if fmt not in FORMATS:
        raise Http404
    state = queue_state(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"ho-so-{state.queue}-{stamp}"
    if exports.queue_count(state.scope, state.filters) > exports.sync_limit():
        exports.export_job_create(
            owner=request.user,
            kind="queue",
            fmt=fmt,
            params=exports.filters_to_params(state.filters),
            title=f"{queues.QUEUES[state.queue]} ({fmt.upper()}, {stamp})",
        )
        messages.success(request, LARGE)
        return redirect("backoffice:exports")
    rows = exports.queue_rows(state.scope, state.filters)
    return _stream(
        fmt, exports.queue_header(), rows, filename, title=str(queues.QUEUES[state.queue])
    )


LARGE = gettext_lazy(
    "This export is large: it is being prepared and will be listed here with a download "
    "link when it is ready."
)


class RegisterForm(AccessibleFormMixin, django_forms.Form):
    agency = django_forms.TypedChoiceField(label=gettext_lazy("Agency"), coerce=int)
    start = django_forms.DateField(
        label=gettext_lazy("Received from"),
        widget=django_forms.DateInput(attrs={"type": "date"}),
    )
    end = django_forms.DateField(
        label=gettext_lazy("Received until"),
        widget=django_forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, f"{a.name} ({a.code})") for a in agencies]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end date is before the start date."))
        return data


@require_http_methods(["GET", "POST"])
@official_required
def register(request):
    """Form 07: the register of the dossiers an agency received in a period (XLSX)."""
    agencies = list(exports.register_agencies(request.user))
    today = timezone.localdate()
    form = RegisterForm(
        request.POST or None,
        agencies=agencies,
        initial={"start": today.replace(day=1), "end": today},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            qs = exports.register_queryset(
                official=request.user, agency_id=d["agency"], start=d["start"], end=d["end"]
            )
        except DossierError as error:
            form.add_error(None, error)
        else:
            label = f"{d['start']:%d%m%Y}-{d['end']:%d%m%Y}"
            fmt = "pdf" if request.POST.get("format") == "pdf" else "xlsx"
            limit = exports.register_pdf_sync_limit() if fmt == "pdf" else exports.sync_limit()
            if qs.count() > limit:
                exports.export_job_create(
                    owner=request.user,
                    kind="register",
                    fmt=fmt,
                    params={
                        "agency": d["agency"],
                        "start": d["start"].isoformat(),
                        "end": d["end"].isoformat(),
                    },
                    title=_("Dossier register %(period)s") % {"period": label}
                    + f" ({fmt.upper()})",
                )
                messages.success(request, LARGE)
                return redirect("backoffice:exports")
            if fmt == "pdf":
                return _register_pdf(request, form, d, label)
            return _stream(
                "xlsx",
                exports.register_header(),
                exports.register_rows(qs),
                f"so-theo-doi-ho-so-{label}",
                title=_("Register"),
                heading=exports.register_heading(d["agency"], d["start"], d["end"]),
            )
    return render(
        request,
        "backoffice/register.html",
        {"form": form, "has_agencies": bool(agencies)},
        status=400 if form.is_bound else 200,
    )


def _register_pdf(request, form, d, label):
    """Form 07 as a PDF sealed with the agency's certificate; a signing failure is said
    on the form (nothing was registered)."""
    try:
        content, _count = services.register_issue(
            official=request.user, agency_id=d["agency"], start=d["start"], end=d["end"]
        )
    except DossierError as error:
        form.add_error(None, error)
        return render(
            request, "backoffice/register.html", {"form": form, "has_agencies": True}, status=400
        )
    return pdf_response(content, f"so-theo-doi-ho-so-{label}.pdf")


@require_GET
@official_required
def my_exports(request):
    page = exports.export_jobs_page(owner=request.user, after=request.GET.get("sau"))
    return render(
        request, "backoffice/exports.html", {"jobs": page.rows, "next_cursor": page.next_cursor}
    )


@require_GET
@official_required
def export_download(request, pk):
    """Only the owner downloads; anyone else gets 404 (no hint that it exists)."""
    job = get_object_or_404(ExportJob, pk=pk, owner=request.user, status=ExportJob.State.DONE)
    content_type = {"xlsx": exports.XLSX_TYPE, "pdf": exports.PDF_TYPE}.get(
        job.format, exports.CSV_TYPE
    )
    response = FileResponse(job.file.open("rb"), content_type=content_type)
    created = timezone.localtime(job.created_at)
    return with_download_headers(response, f"{job.kind}-{created:%Y%m%d-%H%M}.{job.format}")
