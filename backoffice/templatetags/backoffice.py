"""Back-office template filters for what every queue row shows: written in Python
because a template include per row cost more than the rest of the row."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

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
