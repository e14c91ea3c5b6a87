"""Filters of the statistics pages: rates as percentages, averages, "not available"."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def pct(rate):
    """0.756 -> "75,6 %" (Vietnamese) / "75.6%": one decimal; "—" when undefined."""
    if rate is None:
        return "—"
    return _("%(value)s%%") % {"value": f"{rate * 100:.1f}"}


@register.filter
def pct_number(value):
    """A percentage already out of 100 (the public JSON's)."""
    return "—" if value is None else _("%(value)s%%") % {"value": f"{value:.1f}"}


@register.filter
def avg(value, digits=1):
    return "—" if value is None else f"{value:.{int(digits)}f}"


@register.filter
def points(value):
    return "—" if value is None else f"{value:.2f}"
