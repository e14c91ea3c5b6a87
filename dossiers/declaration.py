"""The declaration (tờ khai): a Django form built from a version's form fields, used by
the portal to render it and by the services to validate it server-side."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from identity.validators import validate_id_number
from procedures.constants import FieldType


def _label(field) -> str:
    if (get_language() or "vi").startswith("en") and field.label_en:
        return field.label_en
    return field.label_vi


def _form_field(field) -> forms.Field:
    common = {"label": _label(field), "required": field.required, "help_text": field.help_text}
    t = field.type
    if t == FieldType.LONG_TEXT:
        f = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, **common)
    elif t == FieldType.NUMBER:
        f = forms.DecimalField(
            min_value=field.min_value, max_value=field.max_value, max_digits=16, **common
        )
    elif t == FieldType.DATE:
        f = forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    elif t == FieldType.CHOICE:
        f = forms.ChoiceField(choices=[("", "---")] + [(c, c) for c in field.choices], **common)
    elif t == FieldType.MULTIPLE_CHOICE:
        f = forms.MultipleChoiceField(
            choices=[(c, c) for c in field.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    elif t == FieldType.YES_NO:
        common["required"] = False
        f = forms.BooleanField(**common)
    elif t == FieldType.EMAIL:
        f = forms.EmailField(**common)
    elif t == FieldType.PHONE:
        f = forms.CharField(
            max_length=15,
            validators=[
                RegexValidator(r"^(\+84|0)\d{9,10}$", _("Enter a valid Vietnamese phone number."))
            ],
            **common,
        )
    elif t == FieldType.PERSONAL_ID:
        f = forms.CharField(max_length=12, validators=[validate_id_number], **common)
    elif t == FieldType.TAX_CODE:
        f = forms.CharField(
            max_length=14,
            validators=[RegexValidator(r"^\d{10}(-\d{3})?$", _("Enter a valid tax code."))],
            **common,
        )
    else:
        f = forms.CharField(max_length=1000, **common)
    if field.pattern and isinstance(f, forms.CharField):
        f.validators.append(RegexValidator(field.pattern, _("The value has the wrong format.")))
    return f


def declaration_form_class(version) -> type[forms.Form]:
    """The version's declaration form. Built once per version, language and catalogue
    generation in each process: every filing, save and submission asks for it, and a
    version's fields change only while it is a draft, by writes that renew the
    generation (`procedures.signals`, `procedures.services.version_copy_content`).
    Sharing the class is safe: each form instance deep-copies its fields."""
    if version.pk is None:
        return _build_form_class(version.form_fields.all())
    from procedures.selectors import search_cache_generation

    return _cached_form_class(version.pk, get_language(), search_cache_generation())


@functools.lru_cache(maxsize=512)
def _cached_form_class(version_id, language, generation) -> type[forms.Form]:
    from procedures.models import FormField

    return _build_form_class(FormField.objects.filter(version_id=version_id))


def _build_form_class(form_fields) -> type[forms.Form]:
    return type("DeclarationForm", (forms.Form,), {f.key: _form_field(f) for f in form_fields})


def to_json(cleaned: dict) -> dict:
    """Cleaned values as JSON: dates ISO, decimals as strings."""
    out = {}
    for key, value in cleaned.items():
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[key] = value
    return out


def declaration_errors(version, data: dict) -> dict[str, list[str]]:
    form = declaration_form_class(version)(data=_as_form_data(data))
    form.is_valid()
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


def _as_form_data(data: dict):
    from django.utils.datastructures import MultiValueDict

    return MultiValueDict(
        {
            k: (
                v
                if isinstance(v, list)
                else []
                if v in (None, False)
                else ["on" if v is True else v]
            )
            for k, v in data.items()
        }
    )


def declaration_clean(version, data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The declaration as the portal keeps it once valid (`to_json` of the cleaned
    form) and the errors, field by field, from the same form (`declaration_errors`)."""
    form = declaration_form_class(version)(data=_as_form_data(data))
    if form.is_valid():
        return to_json(form.cleaned_data), {}
    return {}, {k: [str(m) for m in v] for k, v in form.errors.items()}
