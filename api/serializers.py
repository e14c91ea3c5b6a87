"""What the partner API reads and writes about dossiers (JSON shapes only; the rules are
the services' and the declaration's)."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dossiers.constants import Action, ActorRole, Status, Visibility
from identity.validators import normalize_phone, validate_phone
from procedures.constants import ChannelMethod


def _holds_fields(field) -> bool:
    return (
        isinstance(field, serializers.BaseSerializer)
        or hasattr(field, "child")
        or hasattr(field, "child_relation")
    )


def _field_copy(field):
    if _holds_fields(field):
        return copy.deepcopy(field)
    field = copy.copy(field)
    if "_validators" in field.__dict__:
        field._validators = list(field._validators)
    return field


class FieldsCopiedLightly(serializers.Serializer):
    """A serializer whose instances take shallow copies of the declared fields.

    DRF deep-copies every declared field for each serializer instance, running each
    field's __init__ again; the intake and its answer build five serializers a
    request. A declared field is never bound (binding sets attributes on the copy),
    so a shallow copy of it is a field like the one __init__ would make, sharing only
    values nobody changes (choices, error messages; DRF already shares validators
    and regexes); its list of validators is copied all the same. A field holding
    other fields (a nested serializer, a list or dict field) binds them to itself:
    it is deep-copied as DRF does."""

    def get_fields(self):
        return {name: _field_copy(field) for name, field in self._declared_fields.items()}


def dossier_key(dossier) -> str:
    """How the API names a dossier in its URLs: its code, or its ref while a draft."""
    return dossier.code or str(dossier.ref)


def _absolute(context, url: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class DossierRowSerializer(FieldsCopiedLightly):
    code = serializers.CharField(
        allow_null=True, help_text="Dossier code, <agency code>-<yymmdd>-<NNNN> (null: a draft)."
    )
    status = serializers.ChoiceField(choices=Status.choices)
    procedure_code = serializers.CharField(source="version.procedure.code")
    procedure = serializers.CharField(source="version.procedure.name")
    channel = serializers.ChoiceField(choices=ChannelMethod.choices)
    receiving_agency = serializers.CharField(source="receiving_agency.code")
    competent_agency = serializers.CharField(source="competent_agency.code")
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="Appointment date.")
    finished_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(help_text="Time of the last state change.")
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return _absolute(
            self.context, reverse("api:dossier-detail", kwargs={"code": dossier_key(obj)})
        )


class DossierPageSerializer(serializers.Serializer):
    results = DossierRowSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text="URL of the next page (null: none yet; ask again later)."
    )
    next_cursor = serializers.CharField(allow_null=True)


class ApplicantSerializer(FieldsCopiedLightly):
    full_name = serializers.CharField(source="applicant.full_name")
    id_number = serializers.CharField(source="applicant.id_number", allow_null=True)
    enterprise_code = serializers.SerializerMethodField()
    business_name = serializers.SerializerMethodField()

    def get_enterprise_code(self, obj) -> str | None:
        return obj.business.enterprise_code if obj.business_id else None

    def get_business_name(self, obj) -> str | None:
        return obj.business.name if obj.business_id else None


class DocumentSerializer(FieldsCopiedLightly):
    id = serializers.IntegerField()
    document = serializers.SerializerMethodField(
        help_text="Code of the required document it answers (null: an extra document)."
    )
    document_id = serializers.IntegerField(
        source="required_document_id", allow_null=True, help_text="Id of the required document."
    )
    name = serializers.CharField(source="file.name")
    content_type = serializers.CharField(source="file.content_type")
    size = serializers.IntegerField(source="file.size")
    sha256 = serializers.CharField(source="file.sha256")
    is_result = serializers.BooleanField()
    digitised = serializers.BooleanField()
    added_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_document(self, obj) -> str | None:
        return obj.required_document.code if obj.required_document_id else None

    def get_download_url(self, obj) -> str:
        url = reverse(
            "api:dossier-document-file", kwargs={"code": dossier_key(obj.dossier), "pk": obj.pk}
        )
        return _absolute(self.context, url)


class IssuedSerializer(FieldsCopiedLightly):
    id = serializers.IntegerField()
    form = serializers.CharField(help_text="Standard form number (01-06).")
    issued_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        source="state",
        choices=["ready", "pending", "failed"],
        help_text=(
            "ready: the PDF can be downloaded. pending: the form is issued and its PDF "
            "is being produced (usually within seconds; read the dossier again). "
            "failed: it could not be produced; the operators have been told."
        ),
    )
    sha256 = serializers.SerializerMethodField(help_text="Of the PDF; null until it is ready.")
    download_url = serializers.SerializerMethodField(help_text="Null until the PDF is ready.")

    def get_sha256(self, obj) -> str | None:
        return obj.sha256 or None

    def get_download_url(self, obj) -> str | None:
        if not obj.file:
            return None
        url = reverse(
            "api:dossier-issued-file", kwargs={"code": dossier_key(obj.dossier), "pk": obj.pk}
        )
        return _absolute(self.context, url)


class LogSerializer(FieldsCopiedLightly):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField(source="created_at")
    action = serializers.ChoiceField(choices=Action.choices)
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(source="actor_name", allow_blank=True)
    actor_role = serializers.ChoiceField(choices=ActorRole.choices)
    note = serializers.CharField(allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class DossierSerializer(DossierRowSerializer):
    ref = serializers.UUIDField(help_text="The dossier's permanent internal reference.")
    status_label = serializers.CharField(source="get_status_display")
    procedure_version = serializers.IntegerField(source="version.number")
    case = serializers.CharField(source="case.name")
    external_id = serializers.SerializerMethodField()
    applicant = ApplicantSerializer(source="*")
    declaration = serializers.DictField(source="form_data")
    assignee = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    transfer_due_at = serializers.DateTimeField(allow_null=True)
    paused_at = serializers.DateTimeField(
        allow_null=True, help_text="The clock is stopped since (supplement or payment awaited)."
    )
    deadline_state = serializers.CharField(allow_blank=True, help_text="early, on_time or late")
    documents = serializers.SerializerMethodField()
    issued_documents = serializers.SerializerMethodField()
    log = serializers.SerializerMethodField()

    def get_external_id(self, obj) -> str | None:
        intake = getattr(obj, "api_intake", None)
        client = self.context.get("client")
        if intake is None or client is None or intake.client_id != client.pk:
            return None
        return intake.external_id

    def get_assignee(self, obj) -> str | None:
        return obj.assignee.full_name if obj.assignee_id else None

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, obj):
        return DocumentSerializer(self.context["documents"], many=True, context=self.context).data

    @extend_schema_field(IssuedSerializer(many=True))
    def get_issued_documents(self, obj):
        return IssuedSerializer(self.context["issued"], many=True, context=self.context).data

    @extend_schema_field(LogSerializer(many=True))
    def get_log(self, obj):
        return LogSerializer(self.context["log"], many=True).data


@extend_schema_field(OpenApiTypes.BINARY)
class BinaryField(serializers.Field):
    pass


class ApplicantInSerializer(FieldsCopiedLightly):
    id_number = serializers.RegexField(
        r"^\d{12}$", help_text="Personal ID number (12 digits) of the applicant."
    )
    full_name = serializers.CharField(max_length=200, help_text="As in the population registry.")
    birth_date = serializers.DateField()
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Mobile number, 0xxxxxxxxx."
    )
    enterprise_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Filing for this business."
    )
    business_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    legal_representative = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate_phone(self, value: str) -> str:
        """The same checks as everywhere an account's phone is typed."""
        if not value:
            return value
        phone = normalize_phone(value)
        try:
            validate_phone(phone)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return phone


class IntakeSerializer(FieldsCopiedLightly):
    external_id = serializers.CharField(
        max_length=100,
        help_text="The client's own id of this filing (e.g. the national portal's dossier "
        "code): a retry with the same id returns the same dossier.",
    )
    procedure = serializers.CharField(max_length=40, help_text="National procedure code.")
    case = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Code or name of the case; may be left out when the procedure has one.",
    )
    channel = serializers.ChoiceField(choices=ChannelMethod.choices)
    receiving_agency = serializers.CharField(
        max_length=40, help_text="Code of the receiving agency, one of the client's agencies."
    )
    applicant = ApplicantInSerializer()
    declaration = serializers.DictField(
        required=False,
        default=dict,
        help_text="The declaration: keys are the form fields of the procedure's version.",
    )
    submit = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Submit at once (default); false keeps a draft to add documents to first.",
    )


class DocumentInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, JPEG, PNG, DOCX or XLSX; checked by content.")
    document = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="Code (or id) of the required document of the case it answers (empty: an "
        "extra one).",
    )
