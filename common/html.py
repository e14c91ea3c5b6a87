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


def attrs_html(attrs) -> str:
    """Attributes as Django's `attrs.html` writes them, in their order: `True` as the
    bare name, `False` and `None` left out, every value escaped."""
    return "".join(
        f" {escape(str(name))}" if value is True else f' {escape(str(name))}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


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


class FastInputMixin:
    """An `<input>` widget with Django's markup (`django/forms/widgets/input.html`),
    written directly instead of through its two templates: on a page rendered on every
    request (the queue's filters) those cost more than the field is worth."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        shown = "" if value is None else f' value="{escape(str(value))}"'
        # Safe: the name and value are escaped here, the attributes by attrs_html.
        return mark_safe(  # noqa: S308
            f'<input type="{escape(self.input_type)}" name="{escape(name)}"'
            f"{shown}{attrs_html(final)}>"
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass


class FastHiddenInput(FastInputMixin, forms.HiddenInput):
    pass


class FastTextarea(forms.Textarea):
    """`forms.Textarea` with Django's markup, written directly (see FastInputMixin)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        # Safe: the name and value are escaped here, the attributes by attrs_html.
        return mark_safe(  # noqa: S308
            f'<textarea name="{escape(name)}"{attrs_html(final)}>\n{escape(value) if value else ""}'
            "</textarea>"
        )


class RadioSelect(forms.RadioSelect):
    """`forms.RadioSelect` with Django's markup (`multiple_input.html`, one labelled
    `<input>` per choice), written directly: through the templates each choice costs
    three of them. Flat choices only (no option groups). Named like Django's because
    templates tell a group of radios (a fieldset) by `field.widget_type`, which comes
    from the class's name."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        box = widget["attrs"]
        head = f' id="{escape(box["id"])}"' if box.get("id") else ""
        if box.get("class"):
            head += f' class="{escape(box["class"])}"'
        parts = [f"<div{head}>"]
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                shown = (
                    "" if option["value"] is None else f' value="{escape(str(option["value"]))}"'
                )
                field = (
                    f'<input type="{escape(option["type"])}" name="{escape(option["name"])}"'
                    f"{shown}{attrs_html(option['attrs'])}>"
                )
                target = option["attrs"].get("id")
                label = f'<label for="{escape(target)}">' if target else "<label>"
                parts.append(
                    f"<div>\n    {label}{field}\n {escape(str(option['label']))}</label>\n\n</div>"
                )
        parts.append("\n</div>")
        # Safe: every value, label and attribute is escaped above or by attrs_html.
        return mark_safe("".join(parts))  # noqa: S308
