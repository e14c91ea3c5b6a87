"""Webhook subscriptions of the calling client, and its recent deliveries.

Thin views (STYLE R5): `api.webhooks` owns every write and the checks of a URL; a
subscription of another client is a 404."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from api import problems, webhooks
from api.access import ApiView
from api.constants import Scope
from api.schema import PROBLEM_422, PROBLEM_JSON, PROBLEMS_AUTH, problem
from api.webhook_models import WebhookEvent, WebhookSubscription
from common import keyset
from dossiers.constants import DeliveryStatus

PAGE_MAX = 200

SIGNING = (
    "Each delivery is a POST of a JSON event with the headers `X-MotCua-Event-Id` "
    "(deduplicate on it), `X-MotCua-Event`, `X-MotCua-Timestamp` (Unix seconds) and "
    '`X-MotCua-Signature: v1=<hex>`, the HMAC-SHA256 of `"<timestamp>.<body>"` under the '
    "subscription's secret. Refuse a timestamp more than 5 minutes away from your clock. "
    "Answer 2xx within 10 seconds; anything else is retried with backoff. Events of one "
    "dossier arrive in order."
)


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="ref", read_only=True)
    url = serializers.CharField(
        max_length=500, help_text="http(s) URL that receives the events (public address)."
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        required=False,
        help_text="Default: dossier.status_changed.",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    created_at = serializers.DateTimeField(read_only=True)


class SubscriptionInSerializer(SubscriptionSerializer):
    secret = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Your signing secret (24-200 characters); left out, one is generated.",
    )


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(help_text="The signing secret; shown only in this answer.")


class SubscriptionListSerializer(serializers.Serializer):
    results = SubscriptionSerializer(many=True)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField(help_text="As in X-MotCua-Event-Id.")
    event = serializers.CharField(source="event.kind")
    dossier_code = serializers.CharField(allow_null=True)
    subscription = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField(allow_blank=True)
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="Next try while pending."
    )
    sent_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class DeliveryPageSerializer(serializers.Serializer):
    results = DeliverySerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    next = serializers.URLField(allow_null=True)


class DeliveryQuery(serializers.Serializer):
    subscription = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    cursor = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_MAX, default=50
    )


SUBSCRIPTION_404 = {
    (404, PROBLEM_JSON): problem(
        problems.NOT_FOUND,
        "No such subscription of this client.",
        "No such resource within this client's agencies.",
    )
}


def _invalid(error: ValidationError):
    raise problems.Problem(
        problems.VALIDATION,
        _("The subscription cannot be made; see errors."),
        problems.pointer_errors({f"/{k}": v for k, v in error.message_dict.items()}),
    )


class WebhookView(ApiView):
    required_scope = Scope.DOSSIERS_READ

    def subscription(self, ref: str) -> WebhookSubscription:
        try:
            ref = uuid.UUID(ref)
        except ValueError:
            raise exceptions.NotFound() from None
        found = webhooks.subscriptions_for_client(self.request.auth).filter(ref=ref).first()
        if found is None:
            raise exceptions.NotFound()
        return found


class SubscriptionListView(WebhookView):
    @extend_schema(
        operation_id="webhooks_list",
        summary="The client's webhook subscriptions",
        responses={200: SubscriptionListSerializer, **PROBLEMS_AUTH},
        tags=["webhooks"],
    )
    def get(self, request):
        rows = webhooks.subscriptions_for_client(request.auth)
        return Response({"results": SubscriptionSerializer(rows, many=True).data})

    @extend_schema(
        operation_id="webhooks_create",
        summary="Subscribe a URL to the events of the client's dossiers",
        description=(
            "Every status change of a dossier received or decided by one of the client's "
            "agencies (or filed by the client) is sent to the URL. " + SIGNING + " The URL "
            "must be http(s) on a public address. The secret is returned once."
        ),
        request=SubscriptionInSerializer,
        responses={201: SubscriptionCreatedSerializer, **PROBLEMS_AUTH, **PROBLEM_422},
        examples=[
            OpenApiExample(
                "subscribe",
                request_only=True,
                value={
                    "url": "https://dichvucong.example.vn/motcua/webhook",
                    "events": ["dossier.status_changed"],
                    "description": "Đồng bộ trạng thái",
                },
            )
        ],
        tags=["webhooks"],
    )
    def post(self, request):
        incoming = SubscriptionInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            subscription = webhooks.webhook_subscribe(
                client=request.auth,
                url=data["url"],
                secret=data.get("secret", ""),
                events=data.get("events"),
                description=data.get("description", ""),
            )
        except ValidationError as error:
            _invalid(error)
        body = {**SubscriptionSerializer(subscription).data, "secret": subscription.secret}
        url = request.build_absolute_uri(f"/api/v1/webhooks/{subscription.ref}/")
        return Response(body, status=201, headers={"Location": url})


REF = OpenApiParameter(
    "ref", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The subscription's id."
)


class SubscriptionDetailView(WebhookView):
    @extend_schema(
        operation_id="webhooks_retrieve",
        summary="One subscription of the client",
        parameters=[REF],
        responses={200: SubscriptionSerializer, **PROBLEMS_AUTH, **SUBSCRIPTION_404},
        tags=["webhooks"],
    )
    def get(self, request, ref):
        return Response(SubscriptionSerializer(self.subscription(ref)).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        summary="Unsubscribe (undelivered events are dropped)",
        parameters=[REF],
        responses={
            204: OpenApiResponse(description="Deleted."),
            **PROBLEMS_AUTH,
            **SUBSCRIPTION_404,
        },
        tags=["webhooks"],
    )
    def delete(self, request, ref):
        webhooks.webhook_delete(subscription=self.subscription(ref))
        return Response(status=204)


class DeliveryListView(WebhookView):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="The client's webhook deliveries, newest first",
        description=(
            "Each event sent (or being sent) to one of the client's subscriptions: its "
            "status (pending, sent, failed), attempts, the last error and the next try. "
            "Keyset pagination: follow `next`."
        ),
        parameters=[
            OpenApiParameter("subscription", OpenApiTypes.UUID, description="One subscription"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(DeliveryStatus.values)),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next_cursor`"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1-200, default 50"),
        ],
        responses={200: DeliveryPageSerializer, **PROBLEMS_AUTH, **PROBLEM_422},
        tags=["webhooks"],
    )
    def get(self, request):
        query = DeliveryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        subscription = None
        if params.get("subscription"):
            subscription = (
                WebhookSubscription.objects.filter(client=request.auth, ref=params["subscription"])
                .only("recipient")
                .first()
            )
            if subscription is None:
                raise serializers.ValidationError(
                    {"subscription": [_("Not one of this client's subscriptions.")]}
                )
        rows = webhooks.deliveries_for_client(request.auth, subscription=subscription)
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        position = keyset.cursor_decode(params.get("cursor"), moment=False)
        if position:
            rows = rows.filter(pk__lt=position[1])
        size = params["page_size"]
        page = list(rows[: size + 1])
        more = len(page) > size
        page = page[:size]
        refs = dict(
            WebhookSubscription.objects.filter(
                client=request.auth, recipient__in={d.recipient for d in page}
            ).values_list("recipient", "ref")
        )
        results = [
            {
                "id": d.pk,
                "event_id": d.event_id,
                "event": d.event,
                "dossier_code": d.event.dossier.code if d.event.dossier_id else None,
                "subscription": refs.get(d.recipient),
                "status": d.status,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "next_attempt_at": d.next_attempt_at
                if d.status == DeliveryStatus.PENDING
                else None,
                "sent_at": d.sent_at,
                "created_at": d.created_at,
            }
            for d in page
        ]
        cursor = keyset.cursor_encode(None, page[-1].pk) if more else None
        next_url = None
        if cursor:
            params_out = request.query_params.copy()
            params_out["cursor"] = cursor
            next_url = request.build_absolute_uri(f"{request.path}?{params_out.urlencode()}")
        return Response(
            DeliveryPageSerializer(
                {"results": results, "next_cursor": cursor, "next": next_url}
            ).data
        )
