"""Public JSON of the transparency page: `/api/v1/statistics/agencies/?from=&to=`.

The same figures as `/minh-bach/` (`indicators.reports.public_report`): per agency,
with every unit below it, and for the city. Counts and rates only, no dossier and no
person. Rate-limited per client through `common.ratelimit`.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.ratelimit import PublicRateThrottle
from indicators import periods, reports

RATE_SCOPE = "statistics-api"


class StatisticsThrottle(PublicRateThrottle):
    scope = RATE_SCOPE

    def get_rate(self) -> str:
        return f"{settings.STATISTICS_API_RATE}/minute"


class SatisfactionSerializer(serializers.Serializer):
    average = serializers.FloatField(allow_null=True, help_text="Average overall score, 1 to 5.")
    good_rate = serializers.FloatField(
        allow_null=True, help_text="Share of ratings of 4 or 5, in percent."
    )
    ratings = serializers.IntegerField(help_text="Ratings given in the period.")


class IndexSerializer(serializers.Serializer):
    total = serializers.FloatField(help_text="Points earned (of 100) on the measurable components.")
    measurable = serializers.FloatField(help_text="Points MotCua has data for.")
    scaled = serializers.FloatField(
        allow_null=True, help_text="total / measurable * 100: the basis of the ranking."
    )
    ranking = serializers.CharField(allow_null=True, help_text="The decision's ranking band.")
    groups = serializers.DictField(
        child=serializers.FloatField(),
        help_text="Points per group code (1 transparency … 5 satisfaction).",
    )


class FiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Dossiers received in the period.")
    finished = serializers.IntegerField(
        help_text="Dossiers whose result was returned in the period."
    )
    finished_on_time = serializers.IntegerField(help_text="Of those, returned early or on time.")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="Percent, one decimal.")
    online_rate = serializers.FloatField(
        allow_null=True, help_text="Percent of the received dossiers filed online."
    )
    satisfaction = SatisfactionSerializer()
    index = IndexSerializer(allow_null=True)


class AgencyFiguresSerializer(FiguresSerializer):
    code = serializers.CharField(help_text="National electronic-document identifier.")
    name = serializers.CharField()
    depth = serializers.IntegerField(help_text="0 for a top agency, 1 below it, ...")


class GroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.FloatField()


class StatisticsSerializer(serializers.Serializer):
    from_ = serializers.DateField(help_text="First day of the period.")
    to = serializers.DateField(help_text="Last day of the period.")
    updated_at = serializers.DateTimeField(allow_null=True)
    index_groups = GroupSerializer(many=True)
    city = FiguresSerializer()
    agencies = AgencyFiguresSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AgencyStatisticsView(APIView):
    """Figures of every agency (each with the units below it) and of the city."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [StatisticsThrottle]

    @extend_schema(
        operation_id="statistics_agencies",
        summary="Public statistics and service index per agency",
        parameters=[
            OpenApiParameter("from", str, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, required=True, description="YYYY-MM-DD"),
        ],
        responses={
            200: StatisticsSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A missing or bad date."),
        },
        tags=["statistics"],
    )
    def get(self, request):
        start, end = request.query_params.get("from"), request.query_params.get("to")
        try:
            if not start or not end:
                raise periods.PeriodError("Give both dates: ?from=YYYY-MM-DD&to=YYYY-MM-DD.")
            period = periods.custom(
                periods.parse_date(start, "from"), periods.parse_date(end, "to")
            )
        except periods.PeriodError as error:
            return Response({"detail": str(error)}, status=400)
        return Response(reports.public_report(period))
