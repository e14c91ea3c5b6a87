"""Schema pieces shared by the partner API's endpoints: the problem shape and the
error responses each kind of endpoint may give, for drf-spectacular."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from api import problems

PROBLEM_JSON = problems.PROBLEM_CONTENT_TYPE

ProblemSerializer = inline_serializer(
    "Problem",
    {
        "type": serializers.CharField(help_text="Stable URN of the kind of problem."),
        "title": serializers.CharField(help_text="Title in Vietnamese."),
        "title_en": serializers.CharField(help_text="Title in English."),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(help_text="What went wrong, in the request's language."),
        "instance": serializers.CharField(help_text="The path asked for."),
        "errors": inline_serializer(
            "ProblemFieldError",
            {
                "field": serializers.CharField(allow_null=True),
                "pointer": serializers.CharField(help_text="JSON pointer into the request."),
                "message": serializers.CharField(),
                "code": serializers.CharField(),
            },
            many=True,
            required=False,
        ),
    },
)


def _example(kind: problems.ProblemKind, detail: str, errors=None) -> OpenApiExample:
    value = {
        "type": kind.type,
        "title": kind.title_vi,
        "title_en": kind.title_en,
        "status": kind.status,
        "detail": detail,
        "instance": "/api/v1/dossiers/000.00.11.H29-261127-0042/",
    }
    if errors:
        value["errors"] = errors
    return OpenApiExample(kind.slug, value=value, response_only=True, status_codes=[kind.status])


def problem(kind: problems.ProblemKind, description: str, detail: str, errors=None):
    return OpenApiResponse(
        ProblemSerializer, description=description, examples=[_example(kind, detail, errors)]
    )


PROBLEMS_AUTH = {
    (401, PROBLEM_JSON): problem(
        problems.UNAUTHENTICATED,
        "No key, or an unknown or revoked one.",
        "Invalid or revoked API key.",
    ),
    (403, PROBLEM_JSON): problem(
        problems.FORBIDDEN,
        "The client lacks the scope, or calls from an address it may not use.",
        "This client lacks the scope dossiers:read.",
    ),
    (429, PROBLEM_JSON): problem(
        problems.RATE_LIMITED,
        "Over the client's rate limit; see Retry-After.",
        "Too many requests: try again after the Retry-After delay.",
    ),
}
PROBLEM_404 = {
    (404, PROBLEM_JSON): problem(
        problems.NOT_FOUND,
        "No such dossier within the client's agencies.",
        "No such resource within this client's agencies.",
    ),
}
PROBLEM_409 = {
    (409, PROBLEM_JSON): problem(
        problems.CONFLICT,
        "The dossier's state does not allow this (any more).",
        "This action is not allowed in the dossier's current state.",
    ),
}
PROBLEM_422 = {
    (422, PROBLEM_JSON): problem(
        problems.VALIDATION,
        "Invalid data, with one entry per field.",
        "The request has invalid data; see errors.",
        [
            {
                "field": "declaration.ho_ten",
                "pointer": "/declaration/ho_ten",
                "message": "This field is required.",
                "code": "required",
            }
        ],
    ),
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The Bearer API key in the schema (Swagger UI's Authorize button)."""

    target_class = "api.access.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The API key of the client: `Authorization: Bearer mck_...`.",
        }


INTAKE_EXAMPLE = OpenApiExample(
    "intake",
    request_only=True,
    value={
        "external_id": "G22.99-261127-000123",
        "procedure": "1.004873",
        "case": "",
        "channel": "online",
        "receiving_agency": "000.20.01.H29",
        "applicant": {
            "id_number": "079190000123",
            "full_name": "Phạm Thu Hà",
            "birth_date": "1990-05-12",
            "phone": "0987000111",
        },
        "declaration": {"ho_ten": "Phạm Thu Hà", "muc_dich": "Kết hôn"},
        "submit": True,
    },
)
