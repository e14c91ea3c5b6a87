"""Actions on dossiers through the partner API: every action of the workbench, with the
workbench's forms and service calls (`web.dossier_actions`), so that state checks,
deadlines, log rows, signed PDFs and notifications are the same whichever door a
change comes through; and the submission of a draft the client filed.

The client acts for its agencies in the roles its `dossiers:act` scope gave its
service account; the services check them under the dossier's row lock, so of two
concurrent actions on one dossier exactly one wins and the other is a 409."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api import intake, problems
from api.constants import Scope
from api.dossier_views import CODE, PartnerView
from api.schema import PROBLEM_404, PROBLEM_409, PROBLEM_422, PROBLEMS_AUTH
from api.serializers import IssuedSerializer, dossier_key
from dossiers import queues, services
from dossiers.constants import Action, Status, action_verb
from dossiers.models import IssuedDocument
from dossiers.workflow import APOLOGY_FIRST, TransitionNotAllowed
from procedures.constants import ChannelMethod
from web.dossier_actions import ACTIONS, DeskSupplementForm, ReasonForm

# The applicant's actions a filing client relays: the workbench's forms for the same
# fields (the desk's supplement form; `digitised` is the desk's and ignored here).
RELAYED_FORMS = {Action.WITHDRAW: ReasonForm, Action.SUPPLEMENT: DeskSupplementForm}

# What each action takes (JSON, or multipart where a file is sent), as the workbench.
PAYLOADS = {
    Action.RECEIVE: "note (optional)",
    Action.REFUSE: "reason",
    Action.ASSIGN: "assignee (id of a specialist, from GET .../actions/), note",
    Action.FORWARD: "assignee (id of a specialist, from GET .../actions/), note",
    Action.PROPOSE: "note (optional)",
    Action.RETURN: "note",
    Action.APPROVE: "note, result (file, multipart; optional)",
    Action.REQUEST_SUPPLEMENT: "note (everything missing); confirmation for a second request",
    Action.SUPPLEMENT: (
        "note, files (multipart, several), digitised; for an online dossier this client "
        "filed, the applicant's own supplement (dossiers:write)"
    ),
    Action.REQUIRE_PAYMENT: "amount (VND), reason",
    Action.STOP: "reason",
    Action.RETURN_RESULT: "mode (in_person, post, online), postal_tracking, note",
    Action.APOLOGISE: "reason, new_date (YYYY-MM-DD)",
    Action.RECORD_RESULT: "result (file, multipart), note",
    Action.MESSAGE: "body, attachment (file, multipart; optional)",
    Action.NOTE: "note (internal)",
    Action.SUBMIT: "nothing (a draft filed by this client)",
    Action.WITHDRAW: "reason (the applicant's, relayed by the client that filed online)",
}
ACTION_NAMES = sorted(PAYLOADS)

ActionResult = inline_serializer(
    "ActionResult",
    {
        "action": serializers.ChoiceField(choices=ACTION_NAMES),
        "code": serializers.CharField(allow_null=True),
        "status": serializers.ChoiceField(choices=Status.choices),
        "status_label": serializers.CharField(),
        "due_at": serializers.DateTimeField(allow_null=True),
        "url": serializers.URLField(),
        "issued_documents": IssuedSerializer(many=True),
    },
)

OpenActions = inline_serializer(
    "OpenActions",
    {
        "actions": inline_serializer(
            "OpenAction",
            {
                "action": serializers.CharField(),
                "label": serializers.CharField(),
                "role": serializers.CharField(allow_null=True),
                "payload": serializers.CharField(),
                "url": serializers.URLField(),
            },
            many=True,
        ),
        "assignees": inline_serializer(
            "Assignee",
            {"id": serializers.IntegerField(), "full_name": serializers.CharField()},
            many=True,
        ),
    },
)


class ActionListView(PartnerView):
    required_scope = Scope.DOSSIERS_ACT

    @extend_schema(
        operation_id="dossiers_actions_list",
        summary="The actions open on the dossier now, and who can be assigned",
        parameters=[CODE],
        responses={200: OpenActions, **PROBLEMS_AUTH, **PROBLEM_404},
        tags=["actions"],
    )
    def get(self, request, code: str):
        dossier = self.dossier(code)
        base = request.build_absolute_uri(f"{request.path}")
        rows = [
            {
                "action": action,
                "label": str(action_verb(action)),
                "role": role,
                "payload": PAYLOADS.get(action, ""),
                "url": f"{base}{action}/",
            }
            for action, role in queues.official_actions(dossier, self.scope())
            if action in ACTIONS
        ]
        if dossier.status == Status.DRAFT:
            rows = [
                {
                    "action": Action.SUBMIT,
                    "label": str(action_verb(Action.SUBMIT)),
                    "role": None,
                    "payload": PAYLOADS[Action.SUBMIT],
                    "url": f"{base}{Action.SUBMIT}/",
                }
            ]
        assignees = []
        if {r["action"] for r in rows} & {Action.ASSIGN, Action.FORWARD}:
            assignees = [
                {"id": p.pk, "full_name": p.full_name}
                for p in queues.specialists_of(dossier.competent_agency)
            ]
        return Response({"actions": rows, "assignees": assignees})


class ActionView(PartnerView):
    required_scopes = {"POST": Scope.DOSSIERS_ACT}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scope_for(self, request) -> str:
        # Submitting the client's own draft, or relaying its applicant's withdrawal, is
        # filing, not a back-office action. A supplement is either (`_relays`): checked
        # once the dossier is known.
        action = self.kwargs.get("action")
        if action in (Action.SUBMIT, Action.WITHDRAW):
            return Scope.DOSSIERS_WRITE
        if action == Action.SUPPLEMENT:
            return ""
        return super().scope_for(request)

    def _relays(self, dossier) -> bool:
        """The applicant's own action on an online dossier this client filed (the
        national portal passing on what the citizen did there)."""
        intake = getattr(dossier, "api_intake", None)
        return (
            dossier.channel == ChannelMethod.ONLINE
            and intake is not None
            and intake.client_id == self.request.auth.pk
        )

    @extend_schema(
        operation_id="dossiers_actions_create",
        summary="Take an action on the dossier (as on the workbench)",
        description=(
            "Every action of the back office's workbench, with the same fields (JSON, or "
            "multipart/form-data when a file is sent) and the same rules: the dossier's "
            "state, the client's roles at its agencies, deadlines (an overdue dossier needs "
            "the apology first). The answer gives the new state and the standard forms the "
            "action issued. `submit` submits a draft this client filed (scope "
            "dossiers:write). Payloads: " + "; ".join(f"`{a}`: {p}" for a, p in PAYLOADS.items())
        ),
        parameters=[
            CODE,
            OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ACTION_NAMES),
        ],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": OpenApiTypes.OBJECT,
        },
        responses={
            200: ActionResult,
            **PROBLEMS_AUTH,
            **PROBLEM_404,
            **PROBLEM_409,
            **PROBLEM_422,
        },
        examples=[
            OpenApiExample("receive", value={"note": "Đủ thành phần hồ sơ"}, request_only=True),
            OpenApiExample("refuse", value={"reason": "Không thuộc thẩm quyền"}, request_only=True),
        ],
        tags=["actions"],
    )
    def post(self, request, code: str, action: str):
        if action not in (Action.SUBMIT, Action.WITHDRAW) and action not in ACTIONS:
            raise exceptions.NotFound()
        dossier = self.dossier(code)
        before = dossier.log.order_by("-seq").values_list("seq", flat=True).first() or 0
        relays = self._relays(dossier)
        if action == Action.SUPPLEMENT:
            needed = Scope.DOSSIERS_WRITE if relays else Scope.DOSSIERS_ACT
            if not request.auth.has_scope(needed):
                raise exceptions.PermissionDenied(
                    _("This client lacks the scope %(scope)s.") % {"scope": needed}
                )
        if action == Action.SUBMIT:
            self._submit(dossier)
        elif action in (Action.WITHDRAW, Action.SUPPLEMENT) and relays:
            self._relay(dossier, action)
        elif action == Action.WITHDRAW:
            raise exceptions.PermissionDenied(
                _("Only the applicant withdraws: relayed by the client that filed the dossier.")
            )
        else:
            self._act(dossier, action)
        dossier.refresh_from_db()
        issued = list(IssuedDocument.objects.filter(dossier=dossier, log__seq__gt=before))
        for item in issued:
            item.dossier = dossier
        url = request.build_absolute_uri(f"/api/v1/dossiers/{dossier_key(dossier)}/")
        return Response(
            {
                "action": action,
                "code": dossier.code,
                "status": dossier.status,
                "status_label": dossier.get_status_display(),
                "due_at": dossier.due_at,
                "url": url,
                "issued_documents": IssuedSerializer(
                    issued, many=True, context={"request": request}
                ).data,
            }
        )

    def _relay(self, dossier, action: str) -> None:
        """The applicant's withdrawal or supplement, through the applicant's services,
        logged as the applicant's with the client named."""
        form = (RELAYED_FORMS[action])(self.request.data, self.request.FILES)
        if not form.is_valid():
            raise problems.Problem(
                problems.VALIDATION,
                _("The action's data is invalid; see errors."),
                problems.form_errors(form),
            )
        data = form.cleaned_data
        try:
            if action == Action.WITHDRAW:
                services.dossier_withdraw(
                    dossier_id=dossier.pk, actor=dossier.applicant, reason=data["reason"]
                )
            else:
                services.dossier_supplement(
                    dossier_id=dossier.pk,
                    actor=dossier.applicant,
                    note=data["note"],
                    uploads=data["files"],
                )
        except TransitionNotAllowed:
            raise problems.Problem(
                problems.CONFLICT,
                _("This action is not allowed in the dossier's current state (%(status)s).")
                % {"status": dossier.status},
            ) from None
        except services.DossierError as error:
            raise problems.Problem(
                problems.VALIDATION,
                " ".join(error.messages),
                problems.pointer_errors({"": error.messages}),
            ) from None

    def _submit(self, dossier) -> None:
        if dossier.status != Status.DRAFT:
            raise problems.Problem(problems.CONFLICT, _("Only a draft can be submitted."))
        try:
            services.dossier_submit(
                dossier_id=dossier.pk,
                actor=intake.filing_actor(self.request.auth, dossier),
                data={"via": "api", "api_client": str(self.request.auth.client_id)},
            )
        except services.DossierIncomplete as error:
            raise problems.Problem(
                problems.VALIDATION,
                _("The dossier is not complete yet; see errors."),
                problems.pointer_errors(intake.problems_as_errors(error.problems)),
            ) from None
        except TransitionNotAllowed:
            raise problems.Problem(problems.CONFLICT, _("Only a draft can be submitted.")) from None

    def _act(self, dossier, action: str) -> None:
        if dossier.status == Status.DRAFT:
            raise problems.Problem(problems.CONFLICT, _("Submit the draft first."))
        check = queues.official_action_check(dossier, self.scope(), action)
        if check.refusal == queues.REFUSED_ROLE:
            raise exceptions.PermissionDenied(
                _("This client holds no role at this dossier's agency for this action.")
            )
        if check.refusal == queues.REFUSED_APOLOGY_FIRST and queues.apology_due(dossier):
            raise problems.Problem(problems.CONFLICT, str(APOLOGY_FIRST))
        if check.refusal:
            raise problems.Problem(
                problems.CONFLICT,
                _("This action is not allowed in the dossier's current state (%(status)s).")
                % {"status": dossier.status},
            )
        make_form, call = ACTIONS[action]
        form = make_form(dossier, self.request.data, self.request.FILES)
        if not form.is_valid():
            raise problems.Problem(
                problems.VALIDATION,
                _("The action's data is invalid; see errors."),
                problems.form_errors(form),
            )
        try:
            call(dossier, self.request.auth.user, check.role, form.cleaned_data)
        except TransitionNotAllowed:
            raise problems.Problem(
                problems.CONFLICT,
                _("The dossier changed meanwhile (another action came first); read it again."),
            ) from None
        except services.DossierError as error:
            raise problems.Problem(
                problems.VALIDATION,
                " ".join(error.messages),
                problems.pointer_errors({"": error.messages}),
            ) from None
