"""`{% site_footer %}`: every page's footer, rendered once per process for each
language (and year, site name and city) and then reused: it is the same for everyone,
and rendering it on every request cost more than a small page's own content."""

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_FOOTERS: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def site_footer(context):
    key = (
        get_language(),
        timezone.localdate().year,
        context.get("SITE_NAME"),
        context.get("SITE_CITY"),
    )
    html = _FOOTERS.get(key)
    if html is None:
        footer = context.template.engine.get_template("components/site_footer.html")
        html = _FOOTERS[key] = footer.render(context)
    return mark_safe(html)  # noqa: S308 - our own template's output
