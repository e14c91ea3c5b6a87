"""The declaration (tờ khai): a Django form built from a version's form fields, used by
the portal to render it and by the services to validate it server-side; the fields
filled in from the applicant's account, those a verified applicant cannot change
(`legal.REGISTRY_DATA`) and the values that contradict the population registry; the
declaration as people read it (dates dd/mm/yyyy)."""

from __future__ import annotations

import dataclasses
import datetime
import functools
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dossiers import legal
from identity.registry import normalize_name
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


# --- filled in from the account, locked, checked against the registry ------------------


def version_fields(version) -> list:
    """The version's form fields, cached under the catalogue generation (a published
    version's fields are frozen; every catalogue write renews the generation)."""
    from procedures.models import FormField
    from procedures.selectors import cached_with_catalogue_in_process

    if version.pk is None:
        return list(version.form_fields.all())
    return cached_with_catalogue_in_process(
        f"version-fields:{version.pk}",
        lambda: list(FormField.objects.filter(version_id=version.pk)),
    )


def prefilled(version, facts) -> dict:
    """The declaration a new draft starts with: each field filled in from what the
    account knows (`identity.selectors.applicant_facts`)."""
    return {
        f.key: facts.values[f.prefill]
        for f in version_fields(version)
        if f.prefill and f.prefill in facts.values
    }


def locked_keys(version, facts) -> frozenset[str]:
    """The fields a verified applicant cannot change: they hold a registry fact the
    rules lock (`legal.declaration_locked`). None for an unverified account."""
    locked = legal.declaration_locked() & facts.registry
    return frozenset(f.key for f in version_fields(version) if f.prefill in locked)


def with_locked(version, data: dict, facts) -> dict:
    """`data` with every locked field set to the registry's value, whatever was sent:
    the server's side of a read-only input."""
    locked = legal.declaration_locked() & facts.registry
    out = dict(data)
    for f in version_fields(version):
        if f.prefill in locked:
            out[f.key] = facts.values[f.prefill]
    return out


def _same(source: str, declared, registry: str) -> bool:
    if source == "birth_date":
        try:
            return datetime.date.fromisoformat(str(declared)) == datetime.date.fromisoformat(
                registry
            )
        except ValueError:
            return False
    if source == "id_number":
        return "".join(str(declared).split()) == registry
    return normalize_name(str(declared)) == normalize_name(registry)


def registry_mismatches(version, data: dict, facts) -> list[dict]:
    """The declared values that contradict the population registry's facts of a
    verified applicant, as the log keeps them: field key, declared, registry. A field
    left empty contradicts nothing (the declaration's own checks ask for it)."""
    out = []
    for f in version_fields(version):
        if f.prefill not in facts.registry:
            continue
        declared = data.get(f.key)
        if declared in (None, "", []):
            continue
        registry = facts.values[f.prefill]
        if not _same(f.prefill, declared, registry):
            out.append({"field": f.key, "declared": declared, "registry": registry})
    return out


def mark_locked(form, keys) -> None:
    """Shows the locked fields read-only (still focusable and read out, unlike a
    disabled input); the services set their values whatever is sent."""
    form.has_locked = bool(keys)
    for key in keys:
        field = form.fields.get(key)
        if field is None:
            continue
        if isinstance(field.widget, forms.Select):  # a select cannot be read-only
            field.widget = forms.TextInput()
        field.widget.attrs["readonly"] = True
        field.help_text = _("From the national population database; it cannot be changed here.")


# --- the declaration as people read it -------------------------------------------------


def display_value(field_type: str, value) -> str:
    """A declared value as text: dates dd/mm/yyyy, yes/no in words, choices joined.
    A value a draft kept unparsed is shown as it was typed."""
    if value in (None, "", []):
        return ""
    if field_type == FieldType.DATE:
        try:
            return f"{datetime.date.fromisoformat(str(value)):%d/%m/%Y}"
        except ValueError:
            return str(value)
    if field_type == FieldType.YES_NO:
        return str(_("Yes") if value in (True, "on", "true", "True") else _("No"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclasses.dataclass(frozen=True)
class DeclarationRow:
    key: str
    label: str
    text: str
    # The registry's value, as text, where the declared one contradicts it.
    registry: str = ""


def declaration_rows(version, data: dict, mismatches=()) -> list[DeclarationRow]:
    """The version's fields in order with their declared values as text; `mismatches`
    (`registry_mismatches`, or what the submission logged) adds the registry's value
    beside each value that contradicts it."""
    flagged = {m["field"]: m["registry"] for m in mismatches}
    return [
        DeclarationRow(
            key=f.key,
            label=_label(f),
            text=display_value(f.type, data.get(f.key)),
            registry=display_value(f.type, flagged[f.key]) if f.key in flagged else "",
        )
        for f in version_fields(version)
    ]


def logged_mismatches(entries) -> list[dict]:
    """What the submission recorded as contradicting the registry (`dossier_submit`),
    from the dossier's log rows."""
    from dossiers.constants import Action

    for entry in reversed(list(entries)):
        if entry.action == Action.SUBMIT:
            return list((entry.data or {}).get("registry_mismatches") or ())
    return []


def declaration_clean(version, data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The declaration as the portal keeps it once valid (`to_json` of the cleaned
    form) and the errors, field by field, from the same form (`declaration_errors`)."""
    form = declaration_form_class(version)(data=_as_form_data(data))
    if form.is_valid():
        return to_json(form.cleaned_data), {}
    return {}, {k: [str(m) for m in v] for k, v in form.errors.items()}
