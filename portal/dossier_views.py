"""Citizen dossier pages and the public lookup (STYLE R5: load + authorize through a
selector, validate a form, call one service, pick the response).

Every dossier URL carries the dossier's random `ref`, and every view loads it through
`dossier_get_for_applicant`: another person's dossier is a plain 404.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import ratelimit
from common.html import options_html
from dossiers import services
from dossiers.constants import LOOKUP_RATE_SCOPE, Status
from dossiers.declaration import (
    declaration_form_class,
    declaration_rows,
    locked_keys,
    mark_locked,
    registry_mismatches,
    to_json,
)
from dossiers.documents import issued_for_applicant
from dossiers.errors import DossierError
from dossiers.selectors import (
    applicant_can_discard,
    applicant_can_message,
    applicant_can_supplement,
    applicant_can_withdraw,
    applicant_evaluations,
    dossier_get_for_applicant,
    dossier_key_for_applicant,
    dossier_list_for_applicant,
    dossier_public_log,
    dossier_public_status,
    dossier_visible_documents,
    stored_file_get_for_owner,
    stored_files_by_component,
    stored_files_page,
    supplement_request_pending,
    with_signatures,
)
from dossiers.workflow import TransitionNotAllowed
from identity.selectors import acting_parties_for, applicant_facts, businesses_for
from portal.dossier_forms import (
    CRITERION_LABELS,
    SCORE_LABELS,
    MessageForm,
    RatingForm,
    StartForm,
    SupplementForm,
    UploadForm,
    WithdrawForm,
)
from procedures.selectors import published_versions
from web.responses import issued_pdf_response, pdf_response, stored_file_response

MAX_CODE_LENGTH = 60


@require_GET
def lookup(request):
    """Public status lookup by code (`?ma=`): no personal data, rate-limited per address,
    a plain "not found" for unknown codes (no hint whether a code ever existed)."""
    code = request.GET.get("ma", "").strip()[:200]
    context = {"code": code, "result": None, "not_found": False}
    if code:
        if not ratelimit.request_allowed(
            request, scope=LOOKUP_RATE_SCOPE, limit=settings.DOSSIER_LOOKUP_RATE
        ):
            context["limited"] = True
            return render(request, "portal/lookup.html", context, status=429)
        context["result"] = dossier_public_status(code[:MAX_CODE_LENGTH])
        context["not_found"] = context["result"] is None
    return render(request, "portal/lookup.html", context)


# --- filing ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dossier_start(request, code):
    """Choose case, receiving agency and for whom to file; creates the draft."""
    version = get_object_or_404(
        published_versions().select_related("procedure"), procedure__code=code
    )
    form = StartForm(
        request.POST or None,
        cases=version.cases.all(),
        agencies=services.receiving_agencies_for(version.procedure),
        parties=acting_parties_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        party = form.cleaned_data["party"]
        business = None
        if party.startswith("business:"):
            business = businesses_for(request.user).get(pk=int(party.split(":", 1)[1]))
        try:
            dossier = services.dossier_create_draft(
                applicant=request.user,
                version=version,
                case=form.cleaned_data["case"],
                receiving_agency=form.cleaned_data["agency"],
                business=business,
            )
        except DossierError as error:
            form.add_error(None, error.messages[0])
        else:
            return redirect("portal:dossier-edit", ref=dossier.ref)
    return render(request, "portal/dossiers/start.html", {"form": form, "version": version})


def _edit_context(request, dossier, declaration=None, upload_errors=None):
    Declaration = declaration_form_class(dossier.version)
    if declaration is None:
        declaration = Declaration(initial=dossier.form_data)
    facts = applicant_facts(dossier.applicant)
    mark_locked(declaration, locked_keys(dossier.version, facts))
    attached = {}
    for doc in dossier.documents.select_related("file"):
        attached.setdefault(doc.required_document_id, []).append(doc)
    components = list(dossier.case.documents.all())
    mine = stored_files_by_component(request.user, components)
    documents = [
        {
            "required": r,
            "attached": attached.get(r.pk, []),
            "error": (upload_errors or {}).get(r.pk),
            "my_files": mine.get(r.pk, []),
        }
        for r in components
    ]
    return {
        "dossier": dossier,
        "declaration": declaration,
        "documents": documents,
        "contradictions": _contradictions(dossier, facts),
    }


def _contradictions(dossier, facts):
    """The saved values that contradict the registry, told to the applicant before
    they submit (the submission records them for the official)."""
    mismatches = registry_mismatches(dossier.version, dossier.form_data, facts)
    return [
        r for r in declaration_rows(dossier.version, dossier.form_data, mismatches) if r.registry
    ]


@login_required
@require_http_methods(["GET", "POST"])
def dossier_edit(request, ref):
    """The draft: the declaration and the documents on one page. Saving keeps a draft
    (the citizen can leave and come back); the review page submits."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    if dossier.status != Status.DRAFT:
        return redirect(dossier)
    declaration, upload_errors, status = None, {}, 200
    if request.method == "POST":
        if "upload" in request.POST:
            upload = UploadForm(request.POST, request.FILES)
            if upload.is_valid():
                doc_id = upload.cleaned_data["required_document"]
                try:
                    services.dossier_attach_file(
                        dossier_id=dossier.pk,
                        actor=request.user,
                        required_document_id=doc_id,
                        upload=upload.cleaned_data["file"],
                        stored_file_id=upload.cleaned_data["stored_file"],
                    )
                except DossierError as error:
                    upload_errors[doc_id] = error.messages[0]
                else:
                    return redirect("portal:dossier-edit", ref=dossier.ref)
        elif "remove" in request.POST:
            document_id = request.POST["remove"]
            if not document_id.isascii() or not document_id.isdigit():
                # Only a hand-made request sends anything but the button's number.
                messages.error(
                    request, _("The file to remove was not understood. Reload the page.")
                )
                status = 400
            else:
                services.dossier_detach_file(
                    dossier_id=dossier.pk, actor=request.user, document_id=int(document_id)
                )
                return redirect("portal:dossier-edit", ref=dossier.ref)
        else:
            declaration, data = _declaration_data(dossier, request.POST)
            services.dossier_save_declaration(dossier_id=dossier.pk, actor=request.user, data=data)
            if declaration.is_valid():
                if "review" in request.POST:
                    return redirect("portal:dossier-review", ref=dossier.ref)
                messages.success(request, _("Draft saved."))
                return redirect("portal:dossier-edit", ref=dossier.ref)
        dossier.refresh_from_db()
    return render(
        request,
        "portal/dossiers/edit.html",
        _edit_context(request, dossier, declaration, upload_errors),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_discard(request, ref):
    """Delete a draft (DRAFT -> DISCARDED): GET asks to confirm, POST deletes. Another
    person's dossier is a 404; a dossier already filed is refused with a message."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    if request.method == "POST":
        try:
            services.dossier_discard(dossier_id=dossier.pk, actor=request.user)
        except TransitionNotAllowed:
            pass  # no longer a draft: refused below
        else:
            messages.success(request, _("The draft was deleted."))
            return redirect("portal:dossier-list")
    elif applicant_can_discard(dossier):
        return render(request, "portal/dossiers/discard.html", {"dossier": dossier})
    messages.error(request, _("Only a draft can be deleted; this dossier has been submitted."))
    return redirect(dossier)


def _declaration_data(dossier, post):
    """The bound declaration form and what to store: a draft keeps what was typed even
    when incomplete (errors show at once); only the version's fields are kept."""
    declaration = declaration_form_class(dossier.version)(post)
    data = {
        k: post.getlist(k) if len(post.getlist(k)) > 1 else v
        for k, v in post.items()
        if k in declaration.fields
    }
    if declaration.is_valid():
        data = to_json(declaration.cleaned_data)
    return declaration, data


@require_POST
def dossier_autosave(request, ref):
    """The declaration saved as the citizen types (htmx, after a pause or a change):
    answers with the text of the "saved at HH:MM" status, which the page announces
    politely. Without JavaScript the Save draft button does the same. It never
    redirects an htmx request (that would put a whole page into the status line)."""
    received_at = time.time()
    if not request.user.is_authenticated:
        if not request.htmx:
            return redirect_to_login(request.get_full_path())
        return _autosave_status(request, error=_("Not saved: please sign in again."))
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    if not request.htmx:
        return redirect("portal:dossier-edit", ref=dossier.ref)
    _declaration, data = _declaration_data(dossier, request.POST)
    try:
        dossier = services.dossier_save_declaration(
            dossier_id=dossier.pk,
            actor=request.user,
            data=data,
            autosave_received_at=received_at,
        )
    except TransitionNotAllowed:
        return _autosave_status(request, error=_("Not saved: this dossier is no longer a draft."))
    return _autosave_status(request, saved_at=dossier.updated_at)


def _autosave_status(request, *, saved_at=None, error=None):
    return render(
        request,
        "portal/dossiers/_autosave_status.html",
        {"saved_at": saved_at, "autosave_error": error},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_review(request, ref):
    if request.method == "POST":
        # Only the access check here (no joins): the service locks and reads the row,
        # and checks completeness under the lock; checking here first as well cost
        # every submission a second pass over the declaration and files.
        pk, status = dossier_key_for_applicant(user=request.user, ref=ref)
        if status == Status.DRAFT:
            try:
                services.dossier_submit(dossier_id=pk, actor=request.user)
            except services.DossierIncomplete as error:
                dossier = dossier_get_for_applicant(user=request.user, ref=ref)
                return render(
                    request,
                    "portal/dossiers/review.html",
                    _review(dossier, error.problems),
                    status=400,
                )
            except TransitionNotAllowed:
                pass  # submitted already (double click, resent form): show it
        return redirect("portal:dossier-submitted", ref=ref)
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    if dossier.status != Status.DRAFT:
        return redirect("portal:dossier-submitted", ref=dossier.ref)
    problems = services.submission_problems(dossier)
    return render(request, "portal/dossiers/review.html", _review(dossier, problems))


def _review(dossier, problems):
    facts = applicant_facts(dossier.applicant)
    mismatches = registry_mismatches(dossier.version, dossier.form_data, facts)
    rows = declaration_rows(dossier.version, dossier.form_data, mismatches)
    return {
        "dossier": dossier,
        "fields": rows,
        "contradictions": [r for r in rows if r.registry],
        "problem_fields": [
            (next((r.label for r in rows if r.key == key), key), errors)
            for key, errors in problems["declaration"].items()
        ],
        "problems": problems,
        "documents": dossier.documents.select_related("file", "required_document"),
        "complete": not (problems["declaration"] or problems["missing"]),
    }


@login_required
@require_GET
def dossier_submitted(request, ref):
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    if dossier.status == Status.DRAFT:
        return redirect("portal:dossier-review", ref=dossier.ref)
    return render(request, "portal/dossiers/submitted.html", {"dossier": dossier})


# --- following a dossier ----------------------------------------------------------------


@login_required
@require_GET
def dossier_list(request):
    status = request.GET.get("trang-thai") or None
    page = dossier_list_for_applicant(
        user=request.user, status=status, after=request.GET.get("sau")
    )
    for row in page.rows:
        row.can_discard = applicant_can_discard(row)
    return render(
        request,
        "portal/dossiers/list.html",
        {
            "page": page,
            "status": status,
            # The filter's options in one join, not a template loop (this list is hot).
            "status_options": mark_safe(  # noqa: S308 - options_html escapes each value and label
                options_html(Status.choices, {status} if status else set())
            ),
        },
    )


@login_required
@require_GET
def dossier_detail(request, ref):
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    return render(request, "portal/dossiers/detail.html", detail_context(request, dossier))


def detail_context(request, dossier, **forms):
    documents = with_signatures(dossier_visible_documents(dossier))
    timeline = list(dossier_public_log(dossier))
    return {
        "dossier": dossier,
        "timeline": timeline,
        "documents": documents,
        "result_documents": [d for d in documents if d.is_result],
        "issued": issued_for_applicant(dossier),
        "messages_": dossier.messages.select_related("attachment"),
        "payments": [(p, services.payable(p)) for p in dossier.payments.all()],
        "can_withdraw": applicant_can_withdraw(dossier),
        "can_supplement": applicant_can_supplement(dossier),
        "supplement_request": supplement_request_pending(dossier, public_log=timeline),
        "can_message": applicant_can_message(dossier),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "supplement_form": forms.get("supplement_form") or SupplementForm(),
        "message_form": forms.get("message_form") or MessageForm(),
        "evaluations": _evaluations(dossier, forms.get("rating_form"), public_log=timeline),
        "error": forms.get("error"),
    }


def _evaluations(dossier, bound=None, *, public_log=None):
    """Each moment the applicant may evaluate: (moment, its form or None, the scores
    given as (label, score) pairs); the form sent with errors is shown again."""
    rows = []
    for e in applicant_evaluations(dossier, public_log=public_log):
        if e.given is not None:
            given = [
                (CRITERION_LABELS[c], getattr(e.given, c), SCORE_LABELS.get(getattr(e.given, c)))
                for c in e.criteria
            ]
            rows.append((e, None, given))
        else:
            same = bound is not None and bound.moment == e.moment
            rows.append((e, bound if same else RatingForm(moment=e.moment), None))
    return rows


def _act(request, dossier, form_name, form, call, *, done: str):
    """Run one service for a dossier-page form: on success back to the dossier with
    `done` said; on refusal re-render with the message."""
    error = None
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DossierError as exc:
            error = exc.messages[0]
        except TransitionNotAllowed:
            error = _("This action is no longer possible for this dossier.")
        else:
            messages.success(request, done)
            return redirect(dossier)
    else:
        error = _("Please correct the errors below.")
    dossier.refresh_from_db()
    return render(
        request,
        "portal/dossiers/detail.html",
        detail_context(request, dossier, **{form_name: form, "error": error}),
        status=400,
    )


@login_required
@require_POST
def dossier_withdraw(request, ref):
    """Withdrawal ends the dossier for good: the first post with a reason asks for a
    confirmation on its own page; the confirmed post withdraws."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    form = WithdrawForm(request.POST)
    if form.is_valid() and not form.cleaned_data["confirm"] and applicant_can_withdraw(dossier):
        return render(
            request, "portal/dossiers/withdraw_confirm.html", {"dossier": dossier, "form": form}
        )
    return _act(
        request,
        dossier,
        "withdraw_form",
        form,
        lambda d: services.dossier_withdraw(
            dossier_id=dossier.pk, actor=request.user, reason=d["reason"]
        ),
        done=_("Your dossier was withdrawn. The agency will not process it any further."),
    )


@login_required
@require_POST
def dossier_supplement(request, ref):
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    return _act(
        request,
        dossier,
        "supplement_form",
        SupplementForm(request.POST, request.FILES),
        lambda d: services.dossier_supplement(
            dossier_id=dossier.pk,
            actor=request.user,
            note=d["note"],
            uploads=request.FILES.getlist("files"),
        ),
        done=_("Your supplement was sent. The agency will continue processing your dossier."),
    )


@login_required
@require_POST
def dossier_message(request, ref):
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    return _act(
        request,
        dossier,
        "message_form",
        MessageForm(request.POST, request.FILES),
        lambda d: services.dossier_message_send(
            dossier_id=dossier.pk, actor=request.user, body=d["body"], upload=d["attachment"]
        ),
        done=_("Your message was sent to the agency."),
    )


@login_required
@require_GET
def dossier_message_attachment(request, ref, pk):
    """The file attached to a message of the dossier (either side's), for its parties."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    message = get_object_or_404(
        dossier.messages.select_related("attachment").filter(attachment__isnull=False), pk=pk
    )
    return stored_file_response(message.attachment)


@login_required
@require_POST
def dossier_rate(request, ref):
    """The applicant's evaluation at the moment the form names (`moment`)."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    form = RatingForm(request.POST, moment=request.POST.get("moment", "")[:20])

    def call(d):
        services.dossier_rate(
            dossier_id=dossier.pk,
            actor=request.user,
            moment=form.moment,
            scores=form.scores(),
            comment=d["comment"],
        )

    return _act(
        request, dossier, "rating_form", form, call, done=_("Thank you for your evaluation.")
    )


@login_required
@require_GET
def dossier_file(request, ref, pk):
    """Streams a file of the dossier after the permission check. Behind nginx set
    DOSSIER_X_ACCEL_PREFIX to hand the transfer to an `internal` location instead."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    document = get_object_or_404(dossier_visible_documents(dossier), pk=pk)
    return stored_file_response(document.file)


@login_required
@require_GET
def dossier_receipt_pdf(request, ref):
    """The acknowledgement of an online submission (PDF, Vietnamese, code + QR)."""
    from dossiers.pdf import acknowledgement_pdf

    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    if dossier.code is None:
        raise Http404
    return pdf_response(acknowledgement_pdf(dossier), f"{dossier.code}.pdf")


@login_required
@require_GET
def dossier_issued_document(request, ref, pk):
    """A standard document the agency issued to the applicant (forms 01-05)."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    issued = get_object_or_404(issued_for_applicant(dossier), pk=pk)
    back = reverse("portal:dossier-detail", args=[dossier.ref])
    return issued_pdf_response(request, issued, base="base.html", back=back, inline=False)


# --- my documents ------------------------------------------------------------------------


@login_required
@require_GET
def my_documents(request):
    """Everything the citizen uploaded and every result received (kho giấy tờ), a page
    at a time (`?sau=` is the keyset cursor)."""
    after = request.GET.get("sau")
    page = stored_files_page(user=request.user, after=after)
    return render(
        request,
        "portal/dossiers/my_documents.html",
        {"files": page.rows, "page": page, "paged": bool(after)},
    )


@login_required
@require_GET
def my_document_file(request, pk):
    return stored_file_response(stored_file_get_for_owner(user=request.user, pk=pk))


@login_required
@require_POST
def my_document_delete(request, pk):
    stored = stored_file_get_for_owner(user=request.user, pk=pk)
    try:
        services.stored_file_delete(file_id=stored.pk, actor=request.user)
    except DossierError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("“%(name)s” was deleted.") % {"name": stored.name})
    return redirect("portal:my-documents")
