"""Small HTML builders for hot paths, where Django's template-per-item rendering costs
more than the page's queries.

Long `<select>` lists (every field and agency of the catalogue, every procedure of an
agency in the back office) are the case: Django renders one template per `<option>`
(~40 µs each), so a list of a few hundred options would cost 10-20 ms per page.
"""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe


def options_html(choices, selected) -> str:
    """The `<option>` elements of `choices` ((value, label) pairs), those whose value
    is in `selected` (a set of strings) marked. Values and labels are escaped."""
    return "".join(
        '<option value="{}"{}>{}</option>'.format(
            escape(str(value)),
            " selected" if str(value) in selected else "",
            escape(str(label)),
        )
        for value, label in choices
    )


class FastSelect(forms.Select):
    """`forms.Select` with the same markup, built by one join instead of a template per
    option. Flat choices only (no option groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        # Safe: every value and label is escaped by options_html, attributes by flatatt.
        return mark_safe(f"<select{flatatt(final)}>{options_html(self.choices, selected)}</select>")  # noqa: S308
