"""The procedure catalogue: agencies, fields, procedures and their versions, calendar.

A `Procedure` is the stable identity of a national procedure (its code, name, who
handles it). What a dossier is filed against is a `ProcedureVersion`: channels with
times and fees, cases with required documents, the declaration's form fields and
the internal workflow steps. Versions go draft -> published -> retired; published
ones never change (STYLE R7), a partial unique constraint keeps at most one
published version per procedure, and all writes go through `procedures.services`.
"""

from __future__ import annotations

import re

import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Collate, Concat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from procedures.constants import (
    CHOICE_TYPES,
    DEFAULT_CASE_NAME,
    AgencyKind,
    ChannelMethod,
    FeeKind,
    FieldType,
    Level,
    OnlineLevel,
    OverrideKind,
    PrefillSource,
    StepRole,
    TimeUnit,
    VersionStatus,
)
from procedures.formatting import format_vnd

# Vietnamese alphabetical order (A Ă Â B C D Đ E Ê ...): a collation created by
# migration 0003 from ICU's `vi-x-icu` where the server has ICU (Debian's PostgreSQL
# does), else from `und-x-icu`, else from "C" (the embedded fallback server has no
# ICU; order is then by code point). Names of fields and agencies carry it as their
# column collation; procedure names use it where they are sorted (`vietnamese()`).
VIETNAMESE = "vietnamese"


def vietnamese(field_name: str) -> Collate:
    """`field_name` for ORDER BY in Vietnamese alphabetical order."""
    return Collate(F(field_name), VIETNAMESE)


class SearchNormalize(Func):
    """`motcua_normalize(text)`: NFC, unaccent, lower - IMMUTABLE, so it can feed
    generated columns and indexes (created in migration 0001)."""

    function = "motcua_normalize"
    output_field = models.TextField()


@pghistory.track()
class Agency(models.Model):
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("National electronic-document identifier, e.g. 000.00.11.H29."),
    )
    name = models.CharField(_("name"), max_length=300, db_collation=VIETNAMESE)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind, default=AgencyKind.OTHER)
    address = models.CharField(_("address of the receiving point"), max_length=500, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("phone number"), max_length=50, blank=True)
    is_receiving_point = models.BooleanField(
        _("receives dossiers"),
        default=False,
        help_text=_("Has a one-stop desk where dossiers can be filed."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]
        permissions = [("manage_procedures", _("Can manage the procedures of this agency"))]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        # A cycle would make the tree infinite; walk up from the new parent.
        node, seen = self.parent, set()
        while node is not None:
            if (node.pk == self.pk and self.pk is not None) or node.pk in seen:
                raise ValidationError({"parent": _("An agency cannot be its own ancestor.")})
            seen.add(node.pk)
            node = node.parent


@pghistory.track()
class Field(models.Model):
    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=300, db_collation=VIETNAMESE)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(exclude=["search_document", "search_vector", "recent_dossiers"])
class Procedure(models.Model):
    class Source(models.TextChoices):
        NATIONAL = "national", _("National catalogue record")
        NAMES = "names", _("National catalogue list (name only)")
        MANUAL = "manual", _("Entered here")

    code = models.CharField(
        _("procedure code"),
        max_length=30,
        unique=True,
        help_text=_("National code, e.g. 1.000080."),
    )
    name = models.CharField(_("name"), max_length=1000)
    field = models.ForeignKey(
        Field,
        verbose_name=_("field"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    levels = ArrayField(
        models.CharField(max_length=20, choices=Level),
        verbose_name=_("levels"),
        default=list,
        blank=True,
    )
    subjects = ArrayField(
        models.CharField(max_length=200), verbose_name=_("applicants"), default=list, blank=True
    )
    competent_agencies = models.ManyToManyField(
        Agency, verbose_name=_("competent agencies"), blank=True, related_name="competent_for"
    )
    executing_agencies = models.ManyToManyField(
        Agency, verbose_name=_("executing agencies"), blank=True, related_name="executes"
    )
    agency_text = models.CharField(
        _("executing agencies (as published)"),
        max_length=1000,
        blank=True,
        help_text=_("Display text from the national catalogue, e.g. “Ủy ban nhân dân cấp xã”."),
    )
    requirements = models.TextField(_("requirements and conditions"), blank=True)
    online_level = models.CharField(
        _("online level"), max_length=10, choices=OnlineLevel, default=OnlineLevel.NONE
    )
    keywords = models.CharField(_("search keywords"), max_length=500, blank=True)
    decision_number = models.CharField(_("announcing decision"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.MANUAL)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # How many dossiers were filed for the procedure lately, copied once a day from the
    # statistics' summary (`procedures.services.procedure_demand_store`): the search
    # ranks what citizens actually file above its look-alikes without counting
    # dossiers per search. Not part of the catalogue's history.
    recent_dossiers = models.PositiveIntegerField(
        _("dossiers filed in the last 90 days"), default=0, editable=False
    )

    # Search columns, computed by PostgreSQL on every write (never by Python):
    # `search_document` for trigram matching (typos, partial words, codes) and
    # `search_vector` for ranked full-text matching, both accent-free.
    search_document = models.GeneratedField(
        expression=SearchNormalize(
            Concat(F("code"), Value(" "), F("name"), Value(" "), F("keywords"))
        ),
        output_field=models.TextField(),
        db_persist=True,
    )
    search_vector = models.GeneratedField(
        expression=SearchVector(SearchNormalize(F("name")), config="simple", weight="A")
        + SearchVector(SearchNormalize(F("keywords")), config="simple", weight="B"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]
        indexes = [
            GinIndex(fields=["search_vector"], name="procedure_search_vector"),
            GinIndex(
                fields=["search_document"],
                opclasses=["gin_trgm_ops"],
                name="procedure_search_trgm",
            ),
            GinIndex(fields=["levels"], name="procedure_levels"),
            models.Index(fields=["field", "code"], name="procedure_field_code"),
            models.Index(fields=["online_level", "code"], name="procedure_online_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("portal:procedure-detail", kwargs={"code": self.code})


class LegalBasis(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="legal_bases")
    number = models.CharField(_("document number"), max_length=200)
    title = models.CharField(_("title"), max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class ProcedureResult(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="results")
    code = models.CharField(_("code"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=1000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


# --- Published versions are frozen in the database too (STYLE R7) --------------------
# The services only ever move a version draft -> published -> retired; everything
# else about a published or retired version, and every row of its content, stays as
# it was when a dossier may have been filed against it. Admin and services refuse
# such edits already; these triggers refuse them for any other writer (a shell, a
# stray `QuerySet.update`, a future bug). INSERTs are not covered: seed_demo adds
# form fields to versions the importer has published.
FROZEN_STATUSES_SQL = f"('{VersionStatus.PUBLISHED}', '{VersionStatus.RETIRED}')"
FEE_VERSION_SQL = "(SELECT c.version_id FROM procedures_channel c WHERE c.id = {row}.channel_id)"
DOCUMENT_VERSION_SQL = "(SELECT c.version_id FROM procedures_case c WHERE c.id = {row}.case_id)"
_VERSION_COLUMNS = "id, procedure_id, number, steps_description, note, created_at, published_at"
_UNCHANGED = " AND ".join(
    f"OLD.{c} IS NOT DISTINCT FROM NEW.{c}" for c in _VERSION_COLUMNS.split(", ")
)
VERSION_FROZEN_TRIGGERS = [
    pgtrigger.Protect(
        name="frozen_version_update",
        operation=pgtrigger.Update,
        # Allowed: any change to a draft (publishing included), and retiring a
        # published version (status and retired_at, nothing else).
        condition=pgtrigger.Condition(
            f"OLD.status IN {FROZEN_STATUSES_SQL} AND NOT ("
            f"OLD.status = '{VersionStatus.PUBLISHED}' "
            f"AND NEW.status = '{VersionStatus.RETIRED}' AND {_UNCHANGED})"
        ),
    ),
    pgtrigger.Protect(
        name="frozen_version_delete",
        operation=pgtrigger.Delete,
        condition=pgtrigger.Condition(f"OLD.status IN {FROZEN_STATUSES_SQL}"),
    ),
]


class FrozenVersionContent(pgtrigger.Trigger):
    """Refuses UPDATE and DELETE of a content row (channel, fee, case, document,
    form field, step) whose version is published or retired, before or after the
    change. `version_of` is SQL giving the version id of the row `{row}`."""

    when = pgtrigger.Before
    operation = pgtrigger.Update | pgtrigger.Delete

    def __init__(self, *, version_of: str = "{row}.version_id", **kwargs):
        self.version_of = version_of
        super().__init__(**kwargs)

    def get_func(self, model):
        # Trigger source built from constants of this module, never from input.
        frozen = (
            "EXISTS (SELECT 1 FROM procedures_procedureversion v "  # noqa: S608
            "WHERE v.id = {version} AND v.status IN " + FROZEN_STATUSES_SQL + ")"
        )
        old = frozen.format(version=self.version_of.format(row="OLD"))
        new = frozen.format(version=self.version_of.format(row="NEW"))
        return f"""
            IF {old} OR (TG_OP = 'UPDATE' AND {new}) THEN
                RAISE EXCEPTION
                    'pgtrigger: Cannot % % rows of a published or retired version',
                    lower(TG_OP), TG_TABLE_NAME;
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        """


@pghistory.track()
class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus, default=VersionStatus.DRAFT
    )
    steps_description = models.JSONField(
        _("steps (as published)"),
        default=list,
        blank=True,
        help_text=_("The steps of the procedure as the applicant reads them: a list of texts."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure__code", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="procedure_version_number"
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status=VersionStatus.PUBLISHED),
                name="one_published_version_per_procedure",
            ),
        ]
        triggers = VERSION_FROZEN_TRIGGERS

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Channel(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="channels")
    method = models.CharField(_("channel"), max_length=10, choices=ChannelMethod)
    processing_time = models.DecimalField(
        _("processing time"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leave empty when the time is not fixed."),
    )
    unit = models.CharField(
        _("unit"), max_length=12, choices=TimeUnit, default=TimeUnit.WORKING_DAY
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["position", "id"]
        triggers = [FrozenVersionContent(name="frozen_content")]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.time_display}"

    def clean(self):
        if self.unit == TimeUnit.UNSPECIFIED:
            self.processing_time = None
        elif self.processing_time is None:
            raise ValidationError(
                {"processing_time": _("Enter the processing time, or choose “not fixed”.")}
            )

    @property
    def time_display(self) -> str:
        if self.processing_time is None or self.unit == TimeUnit.UNSPECIFIED:
            return str(_("not fixed"))
        value = self.processing_time.normalize()
        return f"{value:f} {self.get_unit_display()}"


class Fee(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(_("kind"), max_length=10, choices=FeeKind, default=FeeKind.FEE)
    amount = models.PositiveBigIntegerField(
        _("amount (VND)"),
        null=True,
        blank=True,
        help_text=_("0 means free; leave empty when the amount is set by another regulation."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="VND", help_text=_("ISO 4217 code; VND unless stated.")
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["position", "id"]
        triggers = [
            FrozenVersionContent(
                name="frozen_content",
                version_of=FEE_VERSION_SQL,
            )
        ]

    def __str__(self) -> str:
        if self.amount is None:
            return self.description or str(_("set by regulation"))
        if self.amount == 0:
            return str(_("Free"))
        if self.currency != "VND":
            return f"{self.amount:,} {self.currency}"
        return format_vnd(self.amount)

    def clean(self):
        if self.amount is None and not self.description.strip():
            raise ValidationError({"description": _("Describe the fee when no amount is given.")})


class Case(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="cases")
    code = models.CharField(_("code"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=1000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["position", "id"]
        triggers = [FrozenVersionContent(name="frozen_content")]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The case as pages and forms name it: nothing for the unnamed default case."""
        return "" if self.name.strip() == DEFAULT_CASE_NAME else self.name


def _template_path(instance, filename):
    return f"procedures/templates/{filename}"


class RequiredDocument(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(_("code"), max_length=100, blank=True)
    name = models.TextField(_("name"))
    originals = models.PositiveSmallIntegerField(_("originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    is_required = models.BooleanField(_("required"), default=True)
    has_electronic_form = models.BooleanField(_("electronic form"), default=False)
    accepted_types = ArrayField(
        models.CharField(max_length=10),
        verbose_name=_("accepted file types"),
        default=list,
        blank=True,
        help_text=_("Extensions without dots, e.g. pdf, jpg. Empty: pdf, jpg, png."),
    )
    max_size_mb = models.PositiveSmallIntegerField(_("maximum size (MB)"), default=10)
    template = models.FileField(_("template to download"), upload_to=_template_path, blank=True)
    template_name = models.CharField(
        _("template file name (national catalogue)"), max_length=300, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["position", "id"]
        triggers = [
            FrozenVersionContent(
                name="frozen_content",
                version_of=DOCUMENT_VERSION_SQL,
            )
        ]

    def __str__(self) -> str:
        return self.name[:100]

    def clean(self):
        cleaned = []
        for ext in self.accepted_types:
            ext = ext.strip().lower().lstrip(".")
            if not re.fullmatch(r"[a-z0-9]{1,10}", ext):
                raise ValidationError(
                    {"accepted_types": _("“%(ext)s” is not a file extension.") % {"ext": ext}}
                )
            cleaned.append(ext)
        self.accepted_types = cleaned


class FormField(models.Model):
    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="form_fields"
    )
    key = models.SlugField(
        _("key"),
        max_length=60,
        help_text=_("Machine name, unique within the version, e.g. full_name."),
    )
    label_vi = models.CharField(_("label (Vietnamese)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=FieldType, default=FieldType.TEXT)
    required = models.BooleanField(_("required"), default=True)
    choices = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("choices"),
        default=list,
        blank=True,
        help_text=_("Comma-separated; needed for choice fields."),
    )
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    pattern = models.CharField(_("pattern (regular expression)"), max_length=200, blank=True)
    prefill = models.CharField(
        _("filled in from"),
        max_length=20,
        choices=PrefillSource,
        default=PrefillSource.NONE,
        blank=True,
        help_text=_(
            "What the applicant's account already knows: the field starts filled in. "
            "Facts of the population registry are checked against a verified account."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["position", "id"]
        triggers = [FrozenVersionContent(name="frozen_content")]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="form_field_key_per_version")
        ]

    def __str__(self) -> str:
        return self.label_vi

    def clean(self):
        errors = {}
        self.choices = [c.strip() for c in self.choices if c.strip()]
        if self.type in CHOICE_TYPES and len(self.choices) < 2:
            errors["choices"] = _("A choice field needs at least two choices.")
        if self.type not in CHOICE_TYPES and self.choices:
            errors["choices"] = _("Only choice fields have choices.")
        if len(set(self.choices)) != len(self.choices):
            errors["choices"] = _("Each choice must be different.")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = _("The maximum must not be lower than the minimum.")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                errors["pattern"] = _("This is not a valid regular expression: %(error)s") % {
                    "error": exc
                }
        if self.prefill and (self.prefill == PrefillSource.BIRTH_DATE) != (
            self.type == FieldType.DATE
        ):
            errors["prefill"] = _("A date of birth fills a date field, and only that.")
        elif self.prefill and self.type in PREFILL_REFUSED_TYPES:
            errors["prefill"] = _("A field of this type cannot be filled in from the account.")
        if errors:
            raise ValidationError(errors)


# A number, a yes/no or a multiple choice holds nothing the account knows.
PREFILL_REFUSED_TYPES = {FieldType.NUMBER, FieldType.YES_NO, FieldType.MULTIPLE_CHOICE}


class WorkflowStep(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("name"), max_length=300)
    role = models.CharField(_("performed by"), max_length=20, choices=StepRole)
    allotted_days = models.DecimalField(
        _("allotted working days"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["position", "id"]
        triggers = [FrozenVersionContent(name="frozen_content")]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """A change to the national calendar decided for one date (Ministry of Home
    Affairs' yearly notice, or a local decision)."""

    Kind = OverrideKind

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=OverrideKind)
    name = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}: {self.name}"
