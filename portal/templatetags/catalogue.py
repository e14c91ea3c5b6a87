"""Template helpers of the public catalogue pages."""

from django import template
from django.utils.safestring import mark_safe

from common.html import options_html

register = template.Library()


@register.simple_tag
def select_options(choices, selected):
    """The <option> elements of a filter, `selected` marked (common.html.options_html:
    one join instead of a template loop with a comparison per option; the ~150 fields
    and agencies cost 2 ms that way)."""
    # Safe: options_html escapes every value and label.
    return mark_safe(options_html(choices, {"" if selected is None else str(selected)}))  # noqa: S308
