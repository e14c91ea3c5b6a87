"""Citizen feedback pages (phản ánh, kiến nghị) and the public list of answers.

Interface only (STYLE R5): load and authorize through `feedback.selectors` (another
person's item is a plain 404), validate a form, call one service in
`feedback.services`, pick the response. Feedback is sent from a dossier page
(`?ho-so=<ref>`), a procedure page (`?thu-tuc=<code>`) or the general page, where the
citizen chooses the agency.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common import ratelimit
from dossiers.consultation import agency_choices
from dossiers.errors import DossierError
from dossiers.selectors import dossier_get_for_applicant
from feedback import selectors, services
from feedback.constants import PUBLIC_RATE_SCOPE, Status, Subject
from portal.feedback_forms import PublicFilterForm, SendForm
from procedures.selectors import procedure_public_queryset
from web.responses import stored_file_response

# Sent items per person per hour: enough for anyone with something to say, and a wall
# for a script filling the agencies' queues.
SEND_LIMIT_PER_HOUR = 10
SEND_RATE_SCOPE = "feedback-send"


def _subject_of(request):
    """(subject, dossier, procedure, agency choices or None) from the query string. A
    dossier that is not the user's, or an unknown procedure, is a 404."""
    ref, code = request.GET.get("ho-so"), request.GET.get("thu-tuc")
    if ref:
        try:
            ref = uuid.UUID(ref)
        except ValueError:
            raise Http404 from None
        dossier = dossier_get_for_applicant(user=request.user, ref=ref)
        return Subject.DOSSIER, dossier, None, None
    if code:
        procedure = procedure_public_queryset().filter(code=code[:60]).first()
        if procedure is None:
            raise Http404
        competent = list(procedure.competent_agencies.filter(is_active=True).order_by("name", "pk"))
        if len(competent) == 1:
            return Subject.PROCEDURE, None, procedure, None
        choices = [(a.pk, a.name) for a in competent] if competent else agency_choices()
        return Subject.PROCEDURE, None, procedure, choices
    return Subject.AGENCY, None, None, agency_choices()


@login_required
@require_http_methods(["GET", "POST"])
def feedback_send(request):
    subject, dossier, procedure, agencies = _subject_of(request)
    context = {
        "subject": subject,
        "dossier": dossier,
        "procedure": procedure,
        "answer_days": services.answer_days(),
        "max_files": services.MAX_FILES,
        "max_mb": settings.DOSSIER_MAX_FILE_MB,
    }
    if request.method == "GET":
        form = SendForm(agencies=agencies)
        return render(request, "portal/feedback/send.html", {**context, "form": form})
    form = SendForm(request.POST, agencies=agencies)
    status = 400
    if form.is_valid():
        if not ratelimit.hit(
            scope=SEND_RATE_SCOPE,
            key=f"user:{request.user.pk}",
            limit=SEND_LIMIT_PER_HOUR,
            window=3600,
        ):
            form.add_error(
                None,
                _("You have sent a lot of feedback in the last hour; please try again later."),
            )
            status = 429
        else:
            from procedures.models import Agency

            data = form.cleaned_data
            agency_id = data.get("agency")
            try:
                item = services.feedback_send(
                    sender=request.user,
                    kind=data["kind"],
                    subject=subject,
                    dossier=dossier,
                    procedure=procedure,
                    agency=Agency.objects.filter(pk=agency_id).first() if agency_id else None,
                    title=data["title"],
                    text=data["text"],
                    public_consent=data["public_consent"],
                    uploads=request.FILES.getlist("files"),
                )
            except DossierError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("Your feedback was sent. Its code is %(code)s.") % {"code": item.code},
                )
                return redirect("portal:feedback-detail", ref=item.ref)
    return render(request, "portal/feedback/send.html", {**context, "form": form}, status=status)


@login_required
@require_GET
def feedback_list(request):
    page = selectors.feedback_list_for_sender(user=request.user, after=request.GET.get("sau"))
    return render(request, "portal/feedback/list.html", {"page": page})


@login_required
@require_GET
def feedback_detail(request, ref):
    item = selectors.feedback_get_for_sender(user=request.user, ref=ref)
    return render(
        request,
        "portal/feedback/detail.html",
        {
            "item": item,
            "history": selectors.feedback_history(item),
            "attachments": selectors.feedback_attachments(item),
            "answered": item.status == Status.ANSWERED,
        },
    )


@login_required
@require_GET
def feedback_file(request, ref, pk):
    item = selectors.feedback_get_for_sender(user=request.user, ref=ref)
    attachment = get_object_or_404(item.attachments.select_related("file"), pk=pk)
    return stored_file_response(attachment.file)


@require_GET
def feedback_public(request):
    """Answers the senders agreed to publish, per agency, without personal data. Open to
    everyone, so counted by the one public rate limiter."""
    agencies = selectors.public_agency_choices()
    form = PublicFilterForm(
        {"agency": request.GET.get("co-quan", "")} if "co-quan" in request.GET else None,
        agencies=agencies,
    )
    context = {"form": form}
    if not ratelimit.request_allowed(
        request, scope=PUBLIC_RATE_SCOPE, limit=settings.FEEDBACK_PUBLIC_RATE
    ):
        context["limited"] = True
        return render(request, "portal/feedback/public.html", context, status=429)
    agency_id = form.agency_id()
    page = selectors.feedback_public_page(agency_id=agency_id, after=request.GET.get("sau"))
    query = {"co-quan": agency_id} if agency_id else {}
    context.update(
        page=page,
        next_url=f"?{urlencode({**query, 'sau': page.next_cursor})}" if page.next_cursor else "",
    )
    return render(request, "portal/feedback/public.html", context)
