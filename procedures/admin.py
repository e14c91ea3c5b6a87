"""Django admin: the catalogue editors' tool.

- Published and retired versions are read-only here (STYLE R7): their inlines
  cannot be added to, changed or deleted, and every field is read-only.
- Publishing, making a new draft and retiring are admin actions that call
  `procedures.services`; a procedure's page also has a "New draft version" button.
- Search is the portal's (`procedures.selectors.procedure_search`): without accents,
  with a typo, by code; agencies and fields are searched without accents too.
- Written for catalogue administrators, not developers: Vietnamese labels, choices
  rather than codes ("Cấp thực hiện"), local times in the change history.
- Agency admins (a `manage_procedures` grant on an agency, django-guardian) see and
  edit only the procedures of that agency and the units below it; superusers edit
  all. `AgencyAdmin` is a guardian `GuardedModelAdmin`, so grants are given from the
  agency's "Object permissions" page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from procedures import services
from procedures.calendar import working_days_in_year, year_days
from procedures.constants import Level, VersionStatus
from procedures.models import (
    Agency,
    CalendarOverride,
    Case,
    Channel,
    Fee,
    Field,
    FormField,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureVersion,
    RequiredDocument,
    SearchNormalize,
    WorkflowStep,
    vietnamese,
)
from procedures.selectors import (
    normalize,
    parse_query,
    procedure_can_edit,
    procedure_list_editable_by,
    procedure_search,
)

MIN_CALENDAR_YEAR, MAX_CALENDAR_YEAR = 2000, 2100


# pghistory's event labels, as an administrator reads them.
HISTORY_EVENTS = {"insert": _("Created"), "update": _("Edited")}


def _history_html(obj, limit: int = 20):
    """The last changes of `obj` (pghistory events), newest first, readable: local
    time, the event in words, the labels of the fields that changed."""
    if obj is None or obj.pk is None:
        return "-"
    event_model = obj.pgh_event_model
    events = event_model.objects.filter(pgh_obj_id=obj.pk).order_by("-pgh_created_at")[:limit]
    rows = []
    previous = None
    for event in reversed(list(events)):
        data = {
            f.name: getattr(event, f.name)
            for f in obj._meta.concrete_fields
            if hasattr(event, f.name)
        }
        if previous is None:
            changed = "-"
        else:
            names = [
                str(obj._meta.get_field(k).verbose_name)
                for k, v in data.items()
                if previous.get(k) != v and k not in ("updated_at", "source_hash")
            ]
            changed = ", ".join(names) or "-"
        when = timezone.localtime(event.pgh_created_at)
        label = HISTORY_EVENTS.get(event.pgh_label, event.pgh_label)
        rows.append((f"{when:%d/%m/%Y %H:%M}", label, changed))
        previous = data
    if not rows:
        return "-"
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        gettext("When"),
        gettext("Event"),
        gettext("Changed"),
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", reversed(rows)),
    )


def accent_free_search(queryset, search_term: str, fields):
    """Rows of `queryset` whose `fields` contain every word of `search_term`, accents
    and case ignored ("so tu phap" finds "Sở Tư pháp"). For the small tables
    (agencies, fields): no index needed."""
    words = normalize(search_term).split()
    if not words:
        return queryset
    aliases = {f"plain_{i}": SearchNormalize(F(field)) for i, field in enumerate(fields)}
    queryset = queryset.alias(**aliases)
    for word in words:
        match = Q()
        for alias in aliases:
            match |= Q(**{f"{alias}__contains": word})
        queryset = queryset.filter(match)
    return queryset


class AccentFreeSearchMixin:
    """`search_fields` searched without accents (see `accent_free_search`)."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return accent_free_search(queryset, search_term, self.search_fields), False


class ProcedureSearchMixin:
    """The portal's procedure search (`procedures.selectors.procedure_search`) in the
    admin list, over the procedures at `search_procedure_path`; the matches come in
    the portal's order unless a column is sorted."""

    search_procedure_path = None  # None: the rows are procedures

    def get_search_results(self, request, queryset, search_term):
        query = parse_query(search_term)
        if not query:
            return queryset, False
        if self.search_procedure_path is None:
            ranked = procedure_search(queryset, query)
            if ORDER_VAR in request.GET:
                # The change list orders before it searches: keep a sorted column.
                ranked = ranked.order_by(*queryset.query.order_by)
            return ranked, False
        matches = procedure_search(Procedure.objects.all(), query).values("pk")
        return queryset.filter(**{f"{self.search_procedure_path}__in": matches}), False


class ScopedToAgencyMixin:
    """Object-level rights for agency admins (see module docstring)."""

    def _procedure_of(self, obj):
        return obj

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        allowed = procedure_list_editable_by(request.user).values("pk")
        return qs.filter(**{f"{self.procedure_path}__in": allowed})

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or procedure_can_edit(request.user, self._procedure_of(obj))

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or procedure_can_edit(request.user, self._procedure_of(obj))


# --- agencies, fields, calendar ----------------------------------------------------------


@admin.register(Agency)
class AgencyAdmin(AccentFreeSearchMixin, GuardedModelAdmin):
    list_display = ("code", "name", "kind", "parent", "is_receiving_point", "is_active")
    list_filter = ("kind", "is_receiving_point", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("history",)

    @admin.display(description=_("Change history"))
    def history(self, obj):
        return _history_html(obj)


@admin.register(Field)
class FieldAdmin(AccentFreeSearchMixin, admin.ModelAdmin):
    list_display = ("code", "name", "procedure_count")
    search_fields = ("code", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("procedures"))

    @admin.display(description=_("procedures"), ordering="n")
    def procedure_count(self, obj):
        return obj.n


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarOverride.objects.dates("date", "year")
        return [(d.year, d.year) for d in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AccentFreeSearchMixin, admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name")
    list_filter = (YearFilter, "kind")
    date_hierarchy = "date"
    search_fields = ("name",)
    change_list_template = "admin/procedures/calendaroverride/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.year_view)
        return [
            path("year/", view, name="procedures_calendaroverride_year"),
            *super().get_urls(),
        ]

    def year_view(self, request):
        """Read-only: the chosen year's public holidays (holidays package) and
        make-up days, with the overrides of this table on top."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year", today.year))
        except ValueError:
            year = today.year
        year = min(max(year, MIN_CALENDAR_YEAR), MAX_CALENDAR_YEAR)
        days = year_days(year, language=get_language() or "vi")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Public holidays and calendar changes in %(year)s") % {"year": year},
            "year": year,
            "days": days,
            "working_days": working_days_in_year(year),
            "previous_year": year - 1 if year > MIN_CALENDAR_YEAR else None,
            "next_year": year + 1 if year < MAX_CALENDAR_YEAR else None,
            "can_add": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/procedures/calendaroverride/year.html", context)

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        from django.utils.dateformat import format as date_format

        return date_format(obj.date, "l")


# --- procedures ---------------------------------------------------------------------------


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs carry their column's name (`aria-label`): Django
    shows a label only as the column header, which screen readers do not tie to the
    inputs of each row."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", capfirst(formfield.label))
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        base = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(base):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs["aria-label"] = gettext("Delete")

        return LabelledFormSet


class LegalBasisInline(LabelledTabularInline):
    model = LegalBasis
    extra = 0


class ResultInline(LabelledTabularInline):
    model = ProcedureResult
    extra = 0


class VersionListInline(LabelledTabularInline):
    model = ProcedureVersion
    fields = ("number", "status", "published_at", "retired_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProcedureForm(forms.ModelForm):
    levels = forms.MultipleChoiceField(
        label=_("levels"),
        choices=Level.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Procedure
        # The admin passes the fields it shows; these are the ones shaped here.
        fields = ("name", "levels", "agency_text")
        widgets = {
            "name": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "agency_text": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def clean_name(self):
        # A box of several lines for reading; the name itself stays one line.
        return " ".join(self.cleaned_data["name"].split())

    def clean_agency_text(self):
        return " ".join(self.cleaned_data["agency_text"].split())


@admin.register(Procedure)
class ProcedureAdmin(ProcedureSearchMixin, ScopedToAgencyMixin, admin.ModelAdmin):
    form = ProcedureForm
    change_form_template = "admin/procedures/procedure/change_form.html"
    procedure_path = "pk"
    list_display = (
        "code",
        "procedure_name",
        "field",
        "online_level",
        "is_active",
        "current_version",
    )
    list_filter = ("online_level", "is_active", "source", "field")
    search_fields = ("code", "name")
    autocomplete_fields = ("field", "competent_agencies", "executing_agencies")
    readonly_fields = ("source", "recent_dossiers", "created_at", "updated_at", "history")
    inlines = [LegalBasisInline, ResultInline, VersionListInline]
    actions = ["create_draft"]
    list_select_related = ("field",)

    def get_list_filter(self, request):
        return (*self.list_filter, LevelFilter, AgencyFilter)

    @admin.display(description=_("name"), ordering=vietnamese("name"))
    def procedure_name(self, obj):
        return obj.name

    @admin.display(description=_("published version"))
    def current_version(self, obj):
        version = next((v for v in obj.versions.all() if v.status == VersionStatus.PUBLISHED), None)
        return version.number if version else "-"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("versions")

    @admin.display(description=_("Change history"))
    def history(self, obj):
        return _history_html(obj)

    def get_urls(self):
        view = self.admin_site.admin_view(self.new_draft_view)
        return [
            path("<path:object_id>/new-draft/", view, name="procedures_procedure_new_draft"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        procedure = self.get_object(request, unquote(object_id))
        if procedure is not None and self.has_change_permission(request, procedure):
            extra_context["new_draft_url"] = reverse(
                "admin:procedures_procedure_new_draft", args=[procedure.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def new_draft_view(self, request, object_id):
        """POST: a new draft of this procedure, copied from its published version
        (`procedures.services.procedure_version_create_draft`, one transaction), then
        its page. A procedure outside the editor's agencies is not found."""
        procedure = self.get_object(request, unquote(object_id))
        if procedure is None:
            raise Http404
        if not self.has_change_permission(request, procedure):
            raise PermissionDenied
        back = reverse("admin:procedures_procedure_change", args=[procedure.pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        try:
            draft = services.procedure_version_create_draft(procedure=procedure)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(
            request,
            gettext("Draft version %(number)s created: edit it, then publish it.")
            % {"number": draft.number},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:procedures_procedureversion_change", args=[draft.pk])
        )

    @admin.action(description=_("Create a new draft from the published version"))
    def create_draft(self, request, queryset):
        for procedure in queryset:
            if not procedure_can_edit(request.user, procedure):
                continue
            try:
                draft = services.procedure_version_create_draft(procedure=procedure)
            except ValidationError as exc:
                self.message_user(
                    request, f"{procedure.code}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    gettext("%(code)s: draft version %(number)s created.")
                    % {"code": procedure.code, "number": draft.number},
                    messages.SUCCESS,
                )


class LevelFilter(admin.SimpleListFilter):
    title = _("levels")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        from procedures.constants import Level

        return Level.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(levels__contains=[self.value()])
        return queryset


class AgencyFilter(admin.SimpleListFilter):
    title = _("executing agency")
    parameter_name = "agency"

    def lookups(self, request, model_admin):
        return Agency.objects.filter(
            kind__in=["city", "department", "ward", "commune"]
        ).values_list("pk", "name")

    def queryset(self, request, queryset):
        if self.value() and str(self.value()).isdigit():
            from procedures.selectors import agency_subtree_ids

            ids = agency_subtree_ids(int(self.value()))
            return queryset.filter(executing_agencies__in=ids).distinct()
        return queryset


# --- versions -----------------------------------------------------------------------------


class FrozenUnlessDraftInline:
    """Inlines of a version: editable only while the version is a draft."""

    def _editable(self, obj):
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ChannelInline(FrozenUnlessDraftInline, LabelledTabularInline):
    model = Channel
    extra = 0
    show_change_link = True
    fields = ("method", "processing_time", "unit", "description", "position")


class CaseInline(FrozenUnlessDraftInline, LabelledTabularInline):
    model = Case
    extra = 0
    show_change_link = True
    fields = ("code", "name", "position")


class FormFieldFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # Before the model formset's own uniqueness check, so that the message lands
        # on the duplicate key field rather than on the whole formset.
        seen = {}
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            key = form.cleaned_data.get("key")
            if key in seen:
                form.add_error(
                    "key",
                    gettext("The key “%(key)s” is used by more than one form field.")
                    % {"key": key},
                )
            seen[key] = form
        super().clean()


class FormFieldForm(forms.ModelForm):
    class Meta:
        model = FormField
        fields = (
            "key",
            "type",
            "required",
            "position",
            "label_vi",
            "label_en",
            "choices",
            "help_text",
            "min_value",
            "max_value",
            "pattern",
            "prefill",
        )
        widgets = {"choices": forms.TextInput(attrs={"size": 40})}


class FormFieldInline(FrozenUnlessDraftInline, admin.StackedInline):
    model = FormField
    form = FormFieldForm
    formset = FormFieldFormSet
    extra = 0
    fields = (
        ("key", "type", "required", "position"),
        ("label_vi", "label_en"),
        "choices",
        "help_text",
        ("min_value", "max_value", "pattern"),
        "prefill",
    )


class StepFormSet(forms.BaseInlineFormSet):
    """Checks that the steps' days add up to the processing time of the channels being
    saved in the same form (the admin links the sibling formsets, see below)."""

    sibling_formsets: list = []

    def clean(self):
        super().clean()
        channels_formset = next((f for f in self.sibling_formsets if f.model is Channel), None)
        if channels_formset is not None and channels_formset.is_valid():
            channels = [
                Channel(
                    processing_time=f.cleaned_data.get("processing_time"),
                    unit=f.cleaned_data.get("unit"),
                )
                for f in channels_formset.forms
                if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
            ]
        else:
            channels = list(self.instance.channels.all()) if self.instance.pk else []
        steps = [
            WorkflowStep(allotted_days=f.cleaned_data["allotted_days"])
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("allotted_days") is not None
        ]
        message = services.steps_error(channels=channels, steps=steps)
        if message:
            raise ValidationError(message)


class StepInline(FrozenUnlessDraftInline, LabelledTabularInline):
    model = WorkflowStep
    formset = StepFormSet
    extra = 0
    fields = ("position", "name", "role", "allotted_days")


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ProcedureSearchMixin, ScopedToAgencyMixin, admin.ModelAdmin):
    procedure_path = "procedure"
    search_procedure_path = "procedure"
    list_display = ("procedure_code", "procedure_name", "number", "status", "published_at")
    list_filter = ("status", "procedure__online_level", "procedure__field")
    search_fields = ("procedure__code", "procedure__name")
    list_select_related = ("procedure",)
    autocomplete_fields = ("procedure",)
    inlines = [ChannelInline, CaseInline, FormFieldInline, StepInline]
    actions = ["publish", "create_draft", "retire"]
    readonly_fields = ("status", "published_at", "retired_at", "history")

    def _procedure_of(self, obj):
        return obj.procedure

    @admin.display(description=_("procedure code"), ordering="procedure__code")
    def procedure_code(self, obj):
        return obj.procedure.code

    @admin.display(description=_("procedure"), ordering=vietnamese("procedure__name"))
    def procedure_name(self, obj):
        return obj.procedure.name[:120]

    @admin.display(description=_("Change history"))
    def history(self, obj):
        return _history_html(obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return (
                "procedure",
                "number",
                "status",
                "steps_description",
                "note",
                "published_at",
                "retired_at",
                "history",
            )
        if obj is not None:
            return (*self.readonly_fields, "procedure", "number")
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        procedure_id = initial.get("procedure")
        if procedure_id and str(procedure_id).isdigit():
            from django.db.models import Max

            top = ProcedureVersion.objects.filter(procedure_id=procedure_id).aggregate(
                n=Max("number")
            )
            initial["number"] = (top["n"] or 0) + 1
        return initial

    def has_delete_permission(self, request, obj=None):
        # Only drafts may be deleted; published/retired versions are history.
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        for formset in formsets:
            formset.sibling_formsets = formsets
        return formsets, inline_instances

    def _run(self, request, queryset, service, done_message):
        for version in queryset.select_related("procedure"):
            if not procedure_can_edit(request.user, version.procedure):
                self.message_user(
                    request,
                    gettext("%(version)s: you may not edit this procedure.") % {"version": version},
                    messages.ERROR,
                )
                continue
            try:
                result = service(version)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, done_message % {"version": result}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda v: services.procedure_version_publish(version=v),
            gettext("%(version)s: published."),
        )

    @admin.action(description=_("Create a new draft from the selected versions"))
    def create_draft(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda v: services.procedure_version_create_draft(procedure=v.procedure, source=v),
            gettext("%(version)s: created."),
        )

    @admin.action(description=_("Retire the selected published versions"))
    def retire(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda v: services.procedure_version_retire(version=v),
            gettext("%(version)s: retired."),
        )


class FrozenChildInline(FrozenUnlessDraftInline):
    def _editable(self, obj):
        return obj is None or obj.version.status == VersionStatus.DRAFT


class FeeInline(FrozenChildInline, LabelledTabularInline):
    model = Fee
    extra = 0
    fields = ("kind", "amount", "currency", "description", "position")


class DocumentInline(FrozenChildInline, admin.StackedInline):
    model = RequiredDocument
    extra = 0
    fields = (
        ("code", "position"),
        "name",
        ("originals", "copies", "is_required", "has_electronic_form"),
        ("accepted_types", "max_size_mb"),
        ("template", "template_name"),
    )


class VersionChildAdmin(ScopedToAgencyMixin, admin.ModelAdmin):
    """Channels (with fees) and cases (with documents), reached from a version."""

    procedure_path = "version__procedure"

    def _procedure_of(self, obj):
        return obj.version.procedure

    def has_module_permission(self, request):
        return False  # reached through the version page, not from the index

    def _draft(self, obj):
        return obj is None or obj.version.status == VersionStatus.DRAFT

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request):
        return False


@admin.register(Channel)
class ChannelAdmin(VersionChildAdmin):
    inlines = [FeeInline]
    readonly_fields = ("version",)


@admin.register(Case)
class CaseAdmin(VersionChildAdmin):
    inlines = [DocumentInline]
    readonly_fields = ("version",)
