"""Dossiers through the partner API: the list of changes, one dossier, its files.

Thin views (STYLE R5): the client's scope comes from `dossiers.queues` (the back
office's scope and its one fetch-and-authorize helper), so a dossier of another
agency is a 404 here exactly as on the workbench."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api import intake, problems
from api.access import ApiView
from api.constants import Scope
from api.models import ApiIntake
from api.schema import INTAKE_EXAMPLE, PROBLEM_404, PROBLEM_409, PROBLEM_422, PROBLEMS_AUTH, problem
from api.serializers import (
    DocumentInSerializer,
    DocumentSerializer,
    DossierPageSerializer,
    DossierSerializer,
    IntakeSerializer,
    dossier_key,
)
from dossiers import documents, queues, services
from dossiers.constants import Status, Visibility
from dossiers.models import DossierDocument
from dossiers.workflow import TransitionNotAllowed
from web.responses import RETRY_AFTER_SECONDS, pdf_response, stored_file_response

FILE_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the file in the dossier."
)
CODE = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Dossier code, e.g. 000.00.11.H29-261127-0042.",
)


class PartnerView(ApiView):
    """A view over the calling client's dossiers."""

    def agencies(self) -> dict[int, str]:
        """The client's agencies, id -> code (one query per request)."""
        if not hasattr(self, "_agencies"):
            self._agencies = dict(self.request.auth.agencies.values_list("pk", "code"))
        return self._agencies

    def scope(self):
        if not hasattr(self, "_scope"):
            self._scope = queues.partner_scope(
                user=self.request.auth.user, agencies=self.agencies()
            )
        return self._scope

    def dossier(self, code: str):
        """The dossier named in the URL: by its code, or by its ref (a filed one in the
        scope, or a draft this client filed); else Http404."""
        try:
            ref = uuid.UUID(code)
        except ValueError:
            return queues.dossier_get_for_partner(scope=self.scope(), code=code)
        draft = (
            ApiIntake.objects.filter(
                client=self.request.auth, dossier__ref=ref, dossier__status=Status.DRAFT
            )
            .select_related(
                "dossier__version__procedure",
                "dossier__case",
                "dossier__receiving_agency",
                "dossier__competent_agency",
                "dossier__applicant",
                "dossier__business",
            )
            .first()
        )
        if draft is not None:
            return draft.dossier
        return queues.dossier_get_for_official(
            official=self.request.auth.user, ref=ref, scope=self.scope()
        )


class ListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=queues.FILED, required=False)
    agency = serializers.CharField(required=False, max_length=40)
    updated_since = serializers.DateTimeField(required=False)
    cursor = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=queues.PARTNER_PAGE_MAX, default=50
    )


class DossierListView(PartnerView):
    required_scopes = {"GET": Scope.DOSSIERS_READ, "POST": Scope.DOSSIERS_WRITE}

    @extend_schema(
        operation_id="dossiers_create",
        summary="File a dossier (idempotent on external_id)",
        description=(
            "Files a dossier for an applicant, found by personal ID number or created as an "
            "unverified account from the population registry. The declaration is checked "
            "against the procedure version's form exactly as on the portal. Submitted at "
            "once unless `submit` is false (then add documents, and take the `submit` "
            "action). A retry with the same `external_id` and body returns the same dossier "
            "(200); the same `external_id` with another body is a 409."
        ),
        request=IntakeSerializer,
        responses={
            201: OpenApiResponse(DossierSerializer, description="Filed."),
            200: OpenApiResponse(DossierSerializer, description="Filed before: the same dossier."),
            **PROBLEMS_AUTH,
            (409, problems.PROBLEM_CONTENT_TYPE): problem(
                problems.IDEMPOTENCY_CONFLICT,
                "The external id was used for a different request.",
                "This external_id was used for another request: dossier 000.00.11.H29-261127-0042.",
            ),
            **PROBLEM_422,
        },
        examples=[INTAKE_EXAMPLE],
        tags=["dossiers"],
    )
    def post(self, request):
        incoming = IntakeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            filed = intake.api_dossier_file(client=request.auth, data=incoming.validated_data)
        except intake.IntakeInvalid as error:
            raise problems.Problem(
                problems.VALIDATION,
                _("The dossier cannot be filed; see errors."),
                problems.pointer_errors(error.errors),
            ) from None
        except intake.IntakeConflict as error:
            raise problems.Problem(
                problems.IDEMPOTENCY_CONFLICT,
                _("This external_id was used for another request: dossier %(code)s.")
                % {"code": dossier_key(error.dossier)},
            ) from None
        except TransitionNotAllowed:
            raise exceptions.PermissionDenied(
                _("This client may not file dossiers at this agency.")
            ) from None
        if filed.created:
            # The rows just written, all of them the client's (its agency, its filing):
            # no file is attached and no form issued by a filing.
            body = dossier_body(self, filed.dossier, files=[], issued=[], log=filed.log)
        else:
            body = dossier_body(self, self.dossier(dossier_key(filed.dossier)))
        status = 201 if filed.created else 200
        return Response(body, status=status, headers={"Location": body["url"]})

    @extend_schema(
        operation_id="dossiers_list",
        summary="Dossiers of the client's agencies, oldest change first",
        description=(
            "Filed dossiers received or decided by the client's agencies, in the order of "
            "their last state change, so that a client catching up reads every change "
            "once: start with `updated_since`, follow `next` until it is null. Keyset "
            "pagination: a page costs the same at any depth."
        ),
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(queues.FILED)),
            OpenApiParameter(
                "agency", OpenApiTypes.STR, description="One of the client's agencies"
            ),
            OpenApiParameter(
                "updated_since", OpenApiTypes.DATETIME, description="Changed at or after (ISO 8601)"
            ),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next_cursor`"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1-200, default 50"),
        ],
        responses={200: DossierPageSerializer, **PROBLEMS_AUTH, **PROBLEM_422},
        tags=["dossiers"],
    )
    def get(self, request):
        query = ListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        scope = self.scope()
        agency_id = None
        if params.get("agency"):
            agency_id = next(
                (pk for pk, code in self.agencies().items() if code == params["agency"]), None
            )
            if agency_id is None:
                raise serializers.ValidationError(
                    {"agency": [_("Not one of this client's agencies.")]}
                )
        page = queues.dossier_page_for_partner(
            scope=scope,
            status=params.get("status", ""),
            agency_id=agency_id,
            updated_since=params.get("updated_since"),
            after=params.get("cursor"),
            size=params["page_size"],
        )
        next_url = None
        if page.next_cursor:
            kept = {k: v for k, v in request.query_params.items() if k != "cursor"}
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({**kept, 'cursor': page.next_cursor})}"
            )
        return Response(
            DossierPageSerializer(
                {"results": page.rows, "next": next_url, "next_cursor": page.next_cursor},
                context={"request": request},
            ).data
        )


def dossier_body(view: PartnerView, dossier, *, files=None, issued=None, log=None) -> dict:
    """A dossier as the client sees it: all of the log for a client that acts on
    dossiers (as the back office sees it), the public part otherwise. `files`,
    `issued` and `log`: its current documents, issued forms and whole log, when the
    caller knows them."""
    request, client = view.request, view.request.auth
    full = list(queues.dossier_official_log(dossier) if log is None else log)
    acts = client.has_scope(Scope.DOSSIERS_ACT)
    log = (
        queues.log_visible_to(full, dossier, view.scope())
        if acts
        else [e for e in full if e.visibility == Visibility.PUBLIC]
    )
    if issued is None:
        issued = (
            documents.issued_for_official(dossier)
            if acts
            else documents.issued_for_applicant(dossier)
        )
    if files is None:
        files = dossier.documents.filter(superseded_at__isnull=True).select_related(
            "file", "required_document"
        )
    for item in files:
        item.dossier = dossier
    issued = list(issued)
    for item in issued:
        item.dossier = dossier
    return DossierSerializer(
        dossier,
        context={
            "request": request,
            "client": client,
            "documents": files,
            "issued": issued,
            "log": log,
        },
    ).data


class DossierDetailView(PartnerView):
    required_scope = Scope.DOSSIERS_READ

    @extend_schema(
        operation_id="dossiers_retrieve",
        summary="One dossier: declaration, documents, deadline and log",
        parameters=[CODE],
        responses={200: DossierSerializer, **PROBLEMS_AUTH, **PROBLEM_404},
        tags=["dossiers"],
    )
    def get(self, request, code: str):
        return Response(dossier_body(self, self.dossier(code)))


FILE_RESPONSES = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The file, as stored (PDF, JPEG, PNG, DOCX, XLSX)."
    ),
    **PROBLEMS_AUTH,
    **PROBLEM_404,
}


class DocumentListView(PartnerView):
    required_scope = Scope.DOCUMENTS_WRITE
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="dossiers_documents_create",
        summary="Add a document to a draft (multipart)",
        description=(
            "One file for one required document of the case (or an extra one), with the "
            "portal's checks: the type read from the content, the document's accepted types "
            "and size limit. Only while the dossier is a draft: a submitted dossier takes "
            "documents through the `supplement` action."
        ),
        parameters=[CODE],
        request={"multipart/form-data": DocumentInSerializer},
        responses={
            201: DocumentSerializer,
            **PROBLEMS_AUTH,
            **PROBLEM_404,
            **PROBLEM_409,
            **PROBLEM_422,
        },
        tags=["documents"],
    )
    def post(self, request, code: str):
        dossier = self.dossier(code)
        incoming = DocumentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if dossier.status != Status.DRAFT:
            raise problems.Problem(
                problems.CONFLICT,
                _(
                    "Documents are added before submission; answer a supplement request with "
                    "the supplement action."
                ),
            )
        wanted = incoming.validated_data.get("document") or ""
        required_id = None
        if wanted:
            by = Q(code=wanted) | (Q(pk=int(wanted)) if wanted.isdigit() else Q(pk=None))
            required_id = dossier.case.documents.filter(by).values_list("pk", flat=True).first()
            if required_id is None:
                raise problems.Problem(
                    problems.VALIDATION,
                    errors=problems.pointer_errors(
                        {"/document": [_("Not a document of this dossier's case.")]}
                    ),
                )
        try:
            added = services.dossier_attach_file(
                dossier_id=dossier.pk,
                actor=intake.filing_actor(request.auth, dossier),
                required_document_id=required_id,
                upload=incoming.validated_data["file"],
            )
        except TransitionNotAllowed:
            raise problems.Problem(
                problems.CONFLICT, _("The dossier is no longer a draft.")
            ) from None
        except services.DossierError as error:
            raise problems.Problem(
                problems.VALIDATION, errors=problems.pointer_errors({"/file": error.messages})
            ) from None
        added = DossierDocument.objects.select_related("file", "required_document").get(pk=added.pk)
        added.dossier = dossier
        return Response(DocumentSerializer(added, context={"request": request}).data, status=201)


class DocumentFileView(PartnerView):
    required_scope = Scope.DOCUMENTS_READ

    @extend_schema(
        operation_id="dossiers_documents_file",
        summary="Download a document of the dossier",
        parameters=[CODE, FILE_ID],
        responses=FILE_RESPONSES,
        tags=["documents"],
    )
    def get(self, request, code: str, pk: str):
        if not pk.isdigit():
            raise exceptions.NotFound()
        dossier = self.dossier(code)
        item = get_object_or_404(
            DossierDocument.objects.select_related("file"),
            pk=pk,
            dossier=dossier,
            superseded_at__isnull=True,
        )
        return stored_file_response(item.file)


class IssuedFileView(PartnerView):
    required_scope = Scope.DOCUMENTS_READ

    @extend_schema(
        operation_id="dossiers_issued_file",
        summary="Download a standard form issued for the dossier (PDF)",
        parameters=[CODE, FILE_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **PROBLEMS_AUTH,
            **PROBLEM_404,
            (503, problems.PROBLEM_CONTENT_TYPE): problem(
                problems.UNAVAILABLE,
                "The form is issued but its PDF is still being produced; see Retry-After.",
                "The form is issued; its PDF is still being produced. Try again shortly.",
            ),
        },
        tags=["documents"],
    )
    def get(self, request, code: str, pk: str):
        if not pk.isdigit():
            raise exceptions.NotFound()
        dossier = self.dossier(code)
        acts = request.auth.has_scope(Scope.DOSSIERS_ACT)
        issued = (
            documents.issued_for_official(dossier)
            if acts
            else documents.issued_for_applicant(dossier)
        )
        found = get_object_or_404(issued, pk=pk)
        found.dossier = dossier
        # Asked for right after the action, the file may still be being written.
        if not documents.wait_written(found):
            raise problems.Problem(
                problems.UNAVAILABLE,
                _("The form is issued; its PDF is still being produced. Try again shortly."),
                retry_after=RETRY_AFTER_SECONDS,
            )
        return pdf_response(found.file.open("rb"), found.filename, inline=False)
