"""RFC 9457 problem details for every error of the partner API.

Each kind of problem has a stable `type` (a URN clients may switch on), a Vietnamese
`title` and its English twin `title_en` (fixed texts, whatever the request's
language), the HTTP `status`, a `detail` in the request's language, the `instance`
(the path asked for) and, for invalid data, `errors`: one entry per field (a JSON
pointer into the request body or the query parameter's name) with its message and
code. Served as `application/problem+json`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemKind:
    slug: str
    status: int
    title_vi: str
    title_en: str

    @property
    def type(self) -> str:
        return f"urn:motcua:problem:{self.slug}"


MALFORMED = ProblemKind("malformed-request", 400, "Yêu cầu không đúng cú pháp", "Malformed request")
UNAUTHENTICATED = ProblemKind("unauthenticated", 401, "Chưa xác thực", "Not authenticated")
FORBIDDEN = ProblemKind("forbidden", 403, "Không có quyền", "Permission denied")
NOT_FOUND = ProblemKind("not-found", 404, "Không tìm thấy", "Not found")
METHOD_NOT_ALLOWED = ProblemKind(
    "method-not-allowed", 405, "Phương thức không được hỗ trợ", "Method not allowed"
)
NOT_ACCEPTABLE = ProblemKind("not-acceptable", 406, "Không có định dạng phù hợp", "Not acceptable")
CONFLICT = ProblemKind("state-conflict", 409, "Xung đột trạng thái hồ sơ", "State conflict")
IDEMPOTENCY_CONFLICT = ProblemKind(
    "idempotency-conflict",
    409,
    "Mã hồ sơ bên ngoài đã dùng cho yêu cầu khác",
    "External id already used for another request",
)
PAYLOAD_TOO_LARGE = ProblemKind("payload-too-large", 413, "Tệp quá lớn", "Payload too large")
UNSUPPORTED_MEDIA = ProblemKind(
    "unsupported-media-type", 415, "Kiểu nội dung không được hỗ trợ", "Unsupported media type"
)
VALIDATION = ProblemKind("validation", 422, "Dữ liệu không hợp lệ", "Invalid data")
RATE_LIMITED = ProblemKind("rate-limited", 429, "Quá nhiều yêu cầu", "Too many requests")
UNAVAILABLE = ProblemKind(
    "service-unavailable", 503, "Dịch vụ tạm thời không sẵn sàng", "Service unavailable"
)

KINDS = (
    MALFORMED,
    UNAUTHENTICATED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    CONFLICT,
    IDEMPOTENCY_CONFLICT,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA,
    VALIDATION,
    RATE_LIMITED,
    UNAVAILABLE,
)


class Problem(exceptions.APIException):
    """Raised by a view to answer with `kind`; `errors` are field-level details."""

    def __init__(
        self,
        kind: ProblemKind,
        detail: str = "",
        errors: list[dict] | None = None,
        *,
        retry_after: int | None = None,
    ):
        self.kind = kind
        self.status_code = kind.status
        self.errors = errors
        self.retry_after = retry_after
        super().__init__(detail or kind.title_en)


def field_errors(detail, pointer: str = "") -> list[dict]:
    """DRF's nested error detail (or a Django ValidationError's message dict) as a flat
    list of {"field", "pointer", "message", "code"}."""
    found = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = f"{pointer}/{key}" if key not in ("non_field_errors", "__all__") else pointer
            found.extend(field_errors(value, sub))
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            for item in detail:
                found.append(_entry(pointer, item))
        else:
            for index, item in enumerate(detail):
                found.extend(field_errors(item, f"{pointer}/{index}"))
    else:
        found.append(_entry(pointer, detail))
    return found


def _entry(pointer: str, message) -> dict:
    return {
        "field": pointer.lstrip("/").replace("/", ".") or None,
        "pointer": pointer or "",
        "message": str(message),
        "code": getattr(message, "code", None) or "invalid",
    }


def problem_response(
    kind: ProblemKind, *, detail: str = "", instance: str = "", errors=None, headers=None
) -> Response:
    body = {
        "type": kind.type,
        "title": kind.title_vi,
        "title_en": kind.title_en,
        "status": kind.status,
        "detail": detail or kind.title_en,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    response = Response(body, status=kind.status, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def exception_handler(exc, context):
    """DRF's exception handler for the partner API's views: every error a problem."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers = {}
    errors = None
    if isinstance(exc, Problem):
        kind, errors = exc.kind, exc.errors
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, Http404 | exceptions.NotFound):
        kind = NOT_FOUND
        exc = exceptions.NotFound(_("No such resource within this client's agencies."))
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        kind = UNAUTHENTICATED
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        kind = FORBIDDEN
        if isinstance(exc, PermissionDenied):
            exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.Throttled):
        kind = RATE_LIMITED
        if exc.wait is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait)))
        exc = exceptions.Throttled(
            wait=exc.wait, detail=_("Too many requests: try again after the Retry-After delay.")
        )
    elif isinstance(exc, exceptions.ValidationError):
        kind, errors = VALIDATION, field_errors(exc.detail)
        exc = exceptions.ValidationError(_("The request has invalid data; see errors."))
    elif isinstance(exc, exceptions.ParseError):
        kind = MALFORMED
    elif isinstance(exc, exceptions.MethodNotAllowed):
        kind = METHOD_NOT_ALLOWED
    elif isinstance(exc, exceptions.NotAcceptable):
        kind = NOT_ACCEPTABLE
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        kind = UNSUPPORTED_MEDIA
    elif isinstance(exc, exceptions.APIException):
        kind = ProblemKind("error", exc.status_code, "Lỗi", "Error")
    else:
        return None  # a server error: Django's 500 handling, logged
    detail = exc.detail if isinstance(exc.detail, str) else kind.title_en
    if isinstance(exc, exceptions.ValidationError):
        detail = _("The request has invalid data; see errors.")
    return problem_response(
        kind, detail=str(detail), instance=instance, errors=errors, headers=headers
    )


def pointer_errors(errors: dict[str, list[str]], code: str = "invalid") -> list[dict]:
    """{JSON pointer: [messages]} as the problem's `errors`."""
    return [
        {
            "field": pointer.lstrip("/").replace("/", ".") or None,
            "pointer": pointer,
            "message": str(message),
            "code": code,
        }
        for pointer, messages in errors.items()
        for message in messages
    ]


def form_errors(form) -> list[dict]:
    """A Django form's errors as the problem's `errors` (each field's messages, with
    their codes; errors of the whole form under the empty pointer)."""
    found = []
    for name, errors in form.errors.get_json_data().items():
        pointer = "" if name == "__all__" else f"/{name}"
        for error in errors:
            found.append(
                {
                    "field": pointer.lstrip("/") or None,
                    "pointer": pointer,
                    "message": error["message"],
                    "code": error.get("code") or "invalid",
                }
            )
    return found
