"""Counter intake pages (`/mot-cua/tiep-nhan/`, issue 6).

Interface only (STYLE R5): the desk picks a case, then one page takes the applicant's
ID, the declaration (the same form as online filing, `dossiers.declaration`) and the
scanned paper documents; ONE service call (`dossiers.services.counter_intake`) files
and receives the dossier in one transaction. The receipt (form 01) opens from the
confirmation page (`backoffice:counter-receipt`): the form 01 the intake issued.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.gate import official_required
from dossiers import documents, queues, services
from dossiers.constants import StandardForm, Status
from dossiers.declaration import declaration_form_class, to_json
from dossiers.errors import DossierError
from dossiers.workflow import TransitionNotAllowed
from identity.constants import OfficialRole
from identity.validators import normalize_phone, validate_id_number, validate_phone
from procedures.selectors import published_cases, published_cases_for_desks
from web.responses import issued_pdf_response

DESK = [OfficialRole.RECEPTIONIST]
# How long the receipt's print waits for a worker before writing the form itself.
COUNTER_WAIT_SECONDS = 2.0


class PickForm(forms.Form):
    """Step 1: which desk (when the official holds several) and which case."""

    co_quan = forms.TypedChoiceField(label=gettext_lazy("Receiving agency"), coerce=int)
    truong_hop = forms.TypedChoiceField(
        label=gettext_lazy("Procedure and case"),
        coerce=int,
        help_text=gettext_lazy("Only the procedures your desk receives are listed."),
    )

    def __init__(self, *args, agencies, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_quan"].choices = [(a.pk, f"{a.name} ({a.code})") for a in agencies]
        groups: dict = {}
        for case in cases:
            groups.setdefault(case.version.procedure.name, []).append(
                (case.pk, case.label or case.version.procedure.name)
            )
        self.fields["truong_hop"].choices = [("", "---"), *groups.items()]


class ApplicantForm(forms.Form):
    id_number = forms.CharField(
        label=gettext_lazy("Personal ID number"),
        max_length=12,
        validators=[validate_id_number],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("12 digits, from the applicant's ID card."),
    )
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    birth_date = forms.DateField(
        label=gettext_lazy("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "For a new account only: the applicant claims it later with a code sent here."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note on the receipt"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    supplement = forms.CharField(
        label=gettext_lazy("Everything that is missing or invalid, and why"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Only for an incomplete dossier: it is filed and the applicant gets the "
            "supplement request (form 02) instead of a receipt. The desk asks once."
        ),
    )

    def clean_phone(self):
        value = normalize_phone(self.cleaned_data["phone"] or "")
        if value:
            validate_phone(value)
        return value


class DocumentsForm(forms.Form):
    """One file and one "digitised" box per document of the case."""

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        for doc in self.documents:
            self.fields[f"file_{doc.pk}"] = forms.FileField(
                label=doc.name,
                required=doc.is_required,
                help_text=", ".join(doc.accepted_types) if doc.accepted_types else "",
            )
            self.fields[f"digitised_{doc.pk}"] = forms.BooleanField(
                label=gettext_lazy("Scanned from the paper original"),
                required=False,
                initial=True,
            )

    def rows(self):
        return [
            (doc, self[f"file_{doc.pk}"], self[f"digitised_{doc.pk}"]) for doc in self.documents
        ]

    def scanned(self):
        data = self.cleaned_data
        return [
            services.ScannedDocument(
                upload=data[f"file_{doc.pk}"],
                required_document_id=doc.pk,
                digitised=bool(data.get(f"digitised_{doc.pk}")),
            )
            for doc in self.documents
            if data.get(f"file_{doc.pk}")
        ]


def _picked_case(value):
    """The case named in the URL, any published one: whether this desk may take it is
    the service's decision, so that a forged id gets the service's clear refusal."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return published_cases().filter(pk=pk).first()


@require_http_methods(["GET", "POST"])
@official_required(roles=DESK)
def intake(request):
    agencies = queues.desk_agencies(queues.official_scope(request.user))
    if not agencies:
        # A desk membership naming no agency of the catalogue: nothing to file with.
        return render(request, "backoffice/counter.html", {"no_desk": True})
    cases = published_cases_for_desks([a.pk for a in agencies])
    pick = PickForm(
        request.GET or None,
        agencies=agencies,
        cases=cases,
        initial={"co_quan": agencies[0].pk},
    )
    case = _picked_case(request.GET.get("truong_hop"))
    agency = next((a for a in agencies if str(a.pk) == request.GET.get("co_quan")), agencies[0])
    if case is None:
        return render(request, "backoffice/counter.html", {"pick": pick, "case": None})

    Declaration = declaration_form_class(case.version)
    post = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    applicant = ApplicantForm(post, prefix="nguoi")
    declaration = Declaration(post, prefix="tk")
    documents = DocumentsForm(post, files, prefix="gt", documents=case.documents.all())
    problems = []
    status = 200
    if request.method == "POST":
        valid = [f.is_valid() for f in (applicant, declaration, documents)]
        asks_supplement = request.POST.get("outcome") == "supplement"
        if valid[0] and asks_supplement and not applicant.cleaned_data["supplement"].strip():
            applicant.add_error("supplement", _("Say what is missing or invalid, and why."))
            valid[0] = False
        if all(valid):
            d = applicant.cleaned_data
            try:
                dossier = services.counter_intake(
                    actor=request.user,
                    receiving_agency=agency,
                    case=case,
                    id_number=d["id_number"],
                    full_name=d["full_name"],
                    birth_date=d["birth_date"],
                    declaration=to_json(declaration.cleaned_data),
                    documents=documents.scanned(),
                    note=d["note"],
                    phone=d["phone"],
                    supplement=d["supplement"] if asks_supplement else "",
                )
            except services.DossierIncomplete as error:
                problems = [
                    _("Missing document: %(name)s") % {"name": doc.name}
                    for doc in error.problems["missing"]
                ] + [
                    f"{key}: {' '.join(msgs)}"
                    for key, msgs in error.problems["declaration"].items()
                ]
            except TransitionNotAllowed:
                problems = [_("You cannot receive dossiers at this desk.")]
            except DossierError as error:
                problems = list(error.messages)
            else:
                return redirect("backoffice:counter-done", ref=dossier.ref)
        status = 400
    return render(
        request,
        "backoffice/counter.html",
        {
            "pick": pick,
            "case": case,
            "agency": agency,
            "applicant_form": applicant,
            "declaration": declaration,
            "documents": documents,
            "problems": problems,
            "has_errors": status == 400,
        },
        status=status,
    )


@require_GET
@official_required(roles=DESK)
def done(request, ref):
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref)
    supplement = (
        documents.issued_for_official(dossier)
        .filter(form=StandardForm.SUPPLEMENT)
        .order_by("-issued_at", "-id")
        .first()
        if dossier.status == Status.DESK_SUPPLEMENT
        else None
    )
    return render(
        request, "backoffice/counter_done.html", {"dossier": dossier, "supplement": supplement}
    )


@require_GET
@official_required
def receipt(request, ref):
    """Form 01 as the receipt issued it (`dossiers.documents`), for officials of the
    dossier's agencies: the stored file, never a re-rendering, so the paper handed over
    is the one whose SHA-256 the log holds. The latest one counts (a dossier received
    again after a supplement-and-refusal cycle has several)."""
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref)
    issued = (
        documents.issued_for_official(dossier)
        .filter(form=StandardForm.RECEIPT)
        .order_by("-issued_at", "-id")
        .first()
    )
    if issued is None:
        raise Http404
    # The desk prints the receipt while the applicant stands at the counter: a worker
    # has usually written it by the time the button is pressed, so this waits a moment
    # for it; when no worker did (they are down, or busy), the desk writes it itself
    # rather than sending the applicant away. Written once all the same: a worker that
    # holds it meanwhile is waited for below.
    if not documents.wait_written(issued, seconds=COUNTER_WAIT_SECONDS):
        documents.write(issued.pk)
        issued.refresh_from_db()
    back = reverse("backoffice:dossier", kwargs={"ref": dossier.ref})
    return issued_pdf_response(request, issued, base="backoffice/base.html", back=back)
