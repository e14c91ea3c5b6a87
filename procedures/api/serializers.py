from rest_framework import serializers

from procedures.models import (
    Agency,
    Case,
    Channel,
    Fee,
    Field,
    FormField,
    LegalBasis,
    Procedure,
    ProcedureResult,
    RequiredDocument,
    WorkflowStep,
)


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["code", "name"]


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "name", "kind", "address", "opening_hours", "phone"]


class AgencyDetailSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the parent agency (null: the top).",
    )

    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "kind",
            "parent",
            "is_receiving_point",
            "address",
            "opening_hours",
            "phone",
        ]


class FeeSerializer(serializers.ModelSerializer):
    amount = serializers.IntegerField(
        allow_null=True, help_text="0 = free; null = set by another regulation (see description)"
    )

    class Meta:
        model = Fee
        fields = ["kind", "amount", "currency", "description"]


class ChannelSerializer(serializers.ModelSerializer):
    fees = FeeSerializer(many=True, read_only=True)
    processing_time = serializers.DecimalField(
        max_digits=6, decimal_places=1, allow_null=True, coerce_to_string=False
    )

    class Meta:
        model = Channel
        fields = ["method", "processing_time", "unit", "description", "fees"]


class DocumentSerializer(serializers.ModelSerializer):
    template_url = serializers.SerializerMethodField()

    class Meta:
        model = RequiredDocument
        fields = [
            "code",
            "name",
            "originals",
            "copies",
            "is_required",
            "has_electronic_form",
            "accepted_types",
            "max_size_mb",
            "template_url",
            "template_name",
        ]

    def get_template_url(self, obj) -> str | None:
        if not obj.template:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(obj.template.url) if request else obj.template.url


class CaseSerializer(serializers.ModelSerializer):
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["code", "name", "documents"]


class FormFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormField
        fields = [
            "key",
            "label_vi",
            "label_en",
            "type",
            "required",
            "choices",
            "help_text",
            "min_value",
            "max_value",
            "pattern",
        ]


class StepSerializer(serializers.ModelSerializer):
    allotted_days = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)

    class Meta:
        model = WorkflowStep
        fields = ["name", "role", "allotted_days"]


class LegalBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasis
        fields = ["number", "title"]


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcedureResult
        fields = ["code", "name"]


class ProcedureListSerializer(serializers.ModelSerializer):
    field = FieldSerializer(read_only=True)
    executing_agencies = AgencySerializer(many=True, read_only=True)
    channels = serializers.SerializerMethodField()
    url = serializers.HyperlinkedIdentityField(
        view_name="api:procedure-detail", lookup_field="code"
    )

    class Meta:
        model = Procedure
        fields = [
            "code",
            "name",
            "url",
            "field",
            "levels",
            "online_level",
            "agency_text",
            "executing_agencies",
            "channels",
        ]

    def _version(self, obj):
        return obj.published[0] if getattr(obj, "published", None) else None

    def get_channels(self, obj) -> list[dict]:
        version = self._version(obj)
        return ChannelSerializer(version.channels.all(), many=True).data if version else []


class ProcedureDetailSerializer(ProcedureListSerializer):
    competent_agencies = AgencySerializer(many=True, read_only=True)
    legal_bases = LegalBasisSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()
    form_fields = serializers.SerializerMethodField()
    workflow_steps = serializers.SerializerMethodField()
    steps_description = serializers.SerializerMethodField()

    class Meta(ProcedureListSerializer.Meta):
        fields = [
            *ProcedureListSerializer.Meta.fields,
            "subjects",
            "competent_agencies",
            "requirements",
            "decision_number",
            "legal_bases",
            "results",
            "version",
            "steps_description",
            "cases",
            "form_fields",
            "workflow_steps",
        ]

    def get_version(self, obj) -> dict:
        v = self._version(obj)
        return {"number": v.number, "published_at": v.published_at}

    def get_steps_description(self, obj) -> list[str]:
        return self._version(obj).steps_description

    def get_cases(self, obj) -> list[dict]:
        return CaseSerializer(self._version(obj).cases.all(), many=True, context=self.context).data

    def get_form_fields(self, obj) -> list[dict]:
        return FormFieldSerializer(self._version(obj).form_fields.all(), many=True).data

    def get_workflow_steps(self, obj) -> list[dict]:
        return StepSerializer(self._version(obj).steps.all(), many=True).data
