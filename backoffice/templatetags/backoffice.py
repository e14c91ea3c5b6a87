"""Back-office template filters for what every queue row shows: written in Python
because a template include per row cost more than the rest of the row."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.constants import STATUS_TONES
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


def _local(moment, pattern: str) -> str:
    return timezone.localtime(moment).strftime(pattern)


@register.simple_tag
def queue_rows(rows, *, queue: str, bulk, now):
    """The `<tr>` of every row of a queue page, built in Python: through the template
    language each row's dozen variables, filters and translations cost more than its
    share of the queries. The markup is the one the template wrote (each cell labelled
    for the cards a phone shows)."""
    labels = [
        escape(label)
        for label in (
            _("Dossier code"),
            _("Applicant"),
            _("Procedure"),
            _("Received"),
            _("Appointment date"),
            _("Time left"),
            _("Status"),
            _("Assigned to"),
        )
    ]
    l_code, l_applicant, l_procedure, l_received, l_due, l_left, l_status, l_assignee = labels
    submitted, nobody = escape(_("Submitted")), escape(_("Nobody"))
    transfer_by = escape(_("Transfer by"))
    out = []
    for d in rows:
        code = escape(d.code)
        state = escape(d.time_left.state) if d.time_left else ""
        cells = [f'<tr class="bo-table__row bo-table__row--{state}">']
        if bulk:
            select = escape(_("Select %(code)s") % {"code": d.code})
            cells.append(
                f'<td class="bo-table__pick"><input type="checkbox" name="dossier" '
                f'value="{escape(d.ref)}.{escape(d.status)}" id="pick-{d.pk}">'
                f'<label for="pick-{d.pk}" class="visually-hidden">{select}</label></td>'
            )
        if d.received_at:
            received = _local(d.received_at, "%d/%m/%Y")
        else:
            when = _local(d.submitted_at, "%d/%m/%Y") if d.submitted_at else ""
            received = f'<span class="muted">{submitted} {when}</span>'
        due = _local(d.due_at, "%d/%m/%Y %H:%M") if d.due_at else "—"
        if queue == "transfer" and d.transfer_due_at:
            tone = "bo-late" if d.transfer_due_at < now else "muted"
            due += (
                f'<br><small class="{tone}">{transfer_by} '
                f"{_local(d.transfer_due_at, '%H:%M %d/%m')}</small>"
            )
        assignee = (
            escape(d.assignee.display_name)
            if d.assignee
            else f'<span class="muted">{nobody}</span>'
        )
        cells += [
            f'<td data-label="{l_code}"><a class="code" href="{escape(d.url)}">{code}</a></td>',
            f'<td data-label="{l_applicant}">{escape(d.applicant.display_name)}</td>',
            f'<td class="bo-table__procedure" data-label="{l_procedure}">'
            f"{escape(d.version.procedure.name)}</td>",
            f'<td data-label="{l_received}">{received}</td>',
            f'<td data-label="{l_due}">{due}</td>',
            f'<td data-label="{l_left}">{time_left(d.time_left)}</td>',
            f'<td data-label="{l_status}"><span class="bo-status bo-status--'
            f'{escape(STATUS_TONES.get(d.status, "progress"))}">'
            f"{escape(d.get_status_display())}</span></td>",
            f'<td data-label="{l_assignee}">{assignee}</td>',
            "</tr>",
        ]
        out.append("".join(cells))
    # Safe: every value from the rows is escaped above.
    return mark_safe("\n".join(out))  # noqa: S308


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
