"""Wording of one notification: an admin's NotificationTemplate when there is one,
else the default below, rendered in a sandbox.

The sandbox is a separate template engine with no loaders and no tag libraries but
Django's default tags and filters without `include`/`extends`, and the context is a
fixed dict of strings: an administrator can reword messages, not reach data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notifications.constants import EVENT_TEXT, FEEDBACK_KINDS, REMINDER_TEXT, Audience

logger = logging.getLogger(__name__)

SANDBOX = Engine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    autoescape=False,
    string_if_invalid="",
)
# Engine() always adds its default builtins, `include` and `extends` among them
# (django.template.loader_tags): keep only the plain tags and filters.
SANDBOX.builtins = ["django.template.defaulttags", "django.template.defaultfilters"]
SANDBOX.template_builtins = SANDBOX.get_template_builtins(SANDBOX.builtins)

# The variables a template may use (shown in the admin).
CONTEXT_KEYS = (
    "name",
    "code",
    "procedure",
    "agency",
    "what_happened",
    "next_step",
    "due_date",
    "link",
    "label_dossier",
    "label_procedure",
    "label_next",
)

DEFAULT_SUBJECT = "{% if code %}{{ code }}: {% endif %}{{ what_happened }}"
DEFAULT_BODY = """{{ name }},

{{ what_happened }}
{% if code %}{{ label_dossier }}: {{ code }}
{{ label_procedure }}: {{ procedure }}
{% endif %}{{ label_next }}: {{ next_step }}

{{ link }}
"""
DEFAULT_SMS = "{% if code %}{{ code }}: {% endif %}{{ what_happened }} {{ link }}"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    sms: str
    link: str  # path inside the site (in-app); the body carries the absolute URL
    # The notification centre's line: what happened and what to do, no address (the
    # entry links to the dossier itself); email bodies stay for email.
    line: str = ""


def compile_errors(source: str) -> str | None:
    """The syntax error of an admin's template, or None."""
    try:
        SANDBOX.from_string(source)
    except TemplateSyntaxError as exc:
        return str(exc)
    return None


def _render(source: str, context: dict, fallback: str) -> str:
    try:
        return SANDBOX.from_string(source).render(Context(context, autoescape=False)).strip()
    except Exception:
        logger.exception("notification template failed; using the default")
        return SANDBOX.from_string(fallback).render(Context(context, autoescape=False)).strip()


def dossier_path(dossier, audience: str) -> str:
    name = "portal:dossier-detail" if audience == Audience.CITIZEN else "backoffice:dossier"
    return reverse(name, kwargs={"ref": dossier.ref})


def feedback_path(ref: str, audience: str) -> str:
    name = "portal:feedback-detail" if audience == Audience.CITIZEN else "backoffice:feedback"
    return reverse(name, kwargs={"ref": ref})


def _feedback_context(*, kind: str, user, audience: str, data: dict) -> dict:
    """The same keys as a dossier's message: the item's code and title stand where the
    dossier's code and procedure stand, so an admin's template fits both."""
    what, citizen_next, official_next = EVENT_TEXT[kind]
    path = feedback_path(data["ref"], audience) if data.get("ref") else ""
    return {
        "name": str(user),
        "code": str(data.get("code") or ""),
        "procedure": str(data.get("title") or ""),
        "agency": str(data.get("agency") or ""),
        "what_happened": str(what),
        "next_step": str(citizen_next if audience == Audience.CITIZEN else official_next),
        "due_date": "",
        "link": settings.SITE_URL.rstrip("/") + path if path else settings.SITE_URL,
        "path": path,
        "label_dossier": _("Feedback code"),
        "label_procedure": _("Title"),
        "label_next": _("What to do next"),
    }


def build_context(*, kind: str, dossier, user, audience: str, data: dict | None = None) -> dict:
    """Call inside translation.override(language): every value is a plain string."""
    data = data or {}
    if kind in FEEDBACK_KINDS:
        return _feedback_context(kind=kind, user=user, audience=audience, data=data)
    what, citizen_next, official_next = EVENT_TEXT.get(kind, EVENT_TEXT["reminder"])
    what = str(what)
    if kind == "reminder" and data.get("about") in REMINDER_TEXT:
        what = str(REMINDER_TEXT[data["about"]])
    path = dossier_path(dossier, audience) if dossier is not None else ""
    due = ""
    if dossier is not None and dossier.due_at:
        due = formats.date_format(timezone.localtime(dossier.due_at), "SHORT_DATE_FORMAT")
    return {
        "name": str(user),
        "code": (dossier.code or "") if dossier is not None else "",
        "procedure": dossier.version.procedure.name if dossier is not None else "",
        "agency": dossier.competent_agency.name if dossier is not None else "",
        "what_happened": what,
        "next_step": str(citizen_next if audience == Audience.CITIZEN else official_next),
        "due_date": due,
        "link": settings.SITE_URL.rstrip("/") + path if path else settings.SITE_URL,
        "path": path,
        "label_dossier": _("Dossier code"),
        "label_procedure": _("Procedure"),
        "label_next": _("What to do next"),
    }


def render_message(*, kind: str, dossier, user, audience: str, language: str, data=None) -> Message:
    from notifications.models import NotificationTemplate

    with translation.override(language):
        context = build_context(kind=kind, dossier=dossier, user=user, audience=audience, data=data)
        template = NotificationTemplate.objects.filter(
            kind=kind, language=language, is_active=True
        ).first()
        subject_src = template.subject if template else DEFAULT_SUBJECT
        body_src = template.body if template else DEFAULT_BODY
        sms_src = (template.sms if template and template.sms else None) or DEFAULT_SMS
        return Message(
            subject=" ".join(_render(subject_src, context, DEFAULT_SUBJECT).split())[:300],
            body=_render(body_src, context, DEFAULT_BODY),
            sms=_render(sms_src, context, DEFAULT_SMS),
            link=context["path"],
            line=" ".join(f"{context['what_happened']} {context['next_step']}".split()),
        )
