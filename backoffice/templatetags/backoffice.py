"""Back-office template filters for what every queue row shows: written in Python
because a template include per row cost more than the rest of the row."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from identity import permissions
from identity.constants import OfficialRole

register = template.Library()
NONE = mark_safe('<span class="due">—</span>')


@register.filter
def time_left(tl):
    """The time left of a `dossiers.queues.TimeLeft`, in words, with its warning class."""
    if tl is None:
        return NONE
    if tl.state == "overdue":
        return format_html(
            '<span class="due due--overdue">{}</span> <span class="due due--overdue">{}</span>',
            _("Overdue: %(days)s working days late") % {"days": tl.days},
            _("apology and new appointment needed"),
        )
    if tl.state == "due_soon":
        if tl.days == 0:
            text = _("Due today")
        else:
            text = _("Due soon: %(days)s working days left") % {"days": tl.days}
        return format_html('<span class="due due--soon">{}</span>', text)
    if tl.state == "on_track":
        return format_html(
            '<span class="due due--ok">{}</span>',
            _("%(days)s working days left") % {"days": tl.days},
        )
    if tl.state == "paused":
        return format_html('<span class="due due--paused">{}</span>', _("Clock paused"))
    return NONE


# The back office's menu: (url name, label, the url names that mark it current, the
# roles that may open it; None: every official). Statistics and the radar go by role
# only: asking for the city overseers' permission would cost every back-office page two
# queries (city overseers open /mot-cua/thong-ke/ from docs/officials.md).
_MENU = (
    ("backoffice:home", gettext_lazy("Dossier queues"), ("backoffice:home",), None),
    (
        "backoffice:counter",
        gettext_lazy("Counter intake"),
        ("backoffice:counter", "backoffice:counter-done"),
        {OfficialRole.RECEPTIONIST},
    ),
    (
        "backoffice:consult-queue",
        gettext_lazy("Consultations"),
        ("backoffice:consult-queue",),
        None,
    ),
    (
        "backoffice:feedback-queue",
        gettext_lazy("Feedback and recommendations"),
        ("backoffice:feedback-queue", "backoffice:feedback"),
        None,
    ),
    (
        "backoffice:statistics",
        gettext_lazy("Statistics"),
        ("backoffice:statistics", "backoffice:statistics-dossiers"),
        {OfficialRole.LEADER, OfficialRole.AGENCY_ADMIN},
    ),
    (
        "backoffice:radar",
        gettext_lazy("Bottleneck radar"),
        ("backoffice:radar",),
        {OfficialRole.LEADER, OfficialRole.AGENCY_ADMIN},
    ),
)


@register.simple_tag(takes_context=True)
def backoffice_menu(context):
    """The menu entries this official may open, as (url, label, is current); empty for
    anyone not yet through the gate (signed out, or the second factor still to give),
    whose pages are the sign-in, the code and the refusal."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return []
    # The gate has read the memberships for this request: no query here.
    roles = {role for _agency_id, _code, role in permissions.agency_roles(user)}
    if not roles:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [
        (reverse(name), label, current in marks)
        for name, label, marks, allowed in _MENU
        if allowed is None or roles & allowed or user.is_superuser
    ]


@register.simple_tag(takes_context=True)
def backoffice_visitor(context) -> bool:
    """Whether the visitor is an official through the back-office gate (second factor
    given): the pages both sides share (notifications) then wear the back office's
    header, so an official never meets the citizens' menu. Citizens have no second
    factor: no query for them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return False
    return bool(permissions.remember_agency_roles(user))
