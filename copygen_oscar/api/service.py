"""Customer-service replies over HTTP, in the style of the copy endpoints: same permission class, rights per action.

``service-messages/``: list, retrieve, create (import one message; SERVICE_IMPORT, throttled), ``redraft``,
``close``. ``service-drafts/``: list, retrieve, ``send`` (optionally with edited text), ``discard``,
``training-pairs`` (every sent reply as a masked JSONL row). Refusals are 400 ``{"detail": why}``.
"""

from django.db import transaction
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from oscar.core.loading import get_model
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ..permissions import SERVICE_IMPORT, SERVICE_REPLY, SERVICE_VIEW
from ..service.forms import MAX_BODY
from ..service.intake import IntakeError, receive
from ..service.sending import MAX_REPLY_CHARS, ServiceError, close_message, discard_draft, redraft, send_draft, \
    training_jsonl
from .views import BAD_REQUEST, CopygenViewSet, Refused

ServiceMessage = get_model("copygen", "ServiceMessage")
ServiceDraft = get_model("copygen", "ServiceDraft")


class ServiceDraftSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceDraft
        fields = ["id", "message", "source", "status", "text", "body", "intent", "handover", "context", "scores",
                  "guard", "edited", "auto_sent", "model_version", "decided_by", "decided_at", "created_at"]
        read_only_fields = fields


class ServiceMessageSerializer(serializers.ModelSerializer):
    order = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    draft = serializers.SerializerMethodField()

    class Meta:
        model = ServiceMessage
        fields = ["id", "channel", "email", "name", "customer", "order", "claimed_order_number", "subject", "body",
                  "external_id", "intent", "intent_confidence", "product_ids", "status", "draft_status",
                  "draft_reason", "received_at", "created_at", "draft"]
        read_only_fields = fields

    def get_draft(self, message) -> dict | None:
        draft = message.drafts.filter(status=ServiceDraft.DRAFT).order_by("-created_at", "-pk").first()
        return ServiceDraftSerializer(draft).data if draft else None


class ServiceMessageCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    body = serializers.CharField(max_length=MAX_BODY)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    order_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                         help_text="Attached only when it matches the e-mail address.")
    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class SendSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_REPLY_CHARS, required=False,
                                 help_text="Staff's edit of the draft; left out, the draft is sent as written.")


class ServiceViewSet(CopygenViewSet):
    def handle_exception(self, exc):
        if isinstance(exc, (ServiceError, IntakeError)):
            exc = Refused(str(exc))
        return super().handle_exception(exc)


class ServiceMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Customer messages with their intent, verified order and open draft."""

    queryset = ServiceMessage.objects.select_related("order").order_by("-created_at", "-pk")
    serializer_class = ServiceMessageSerializer
    required_perms = {"list": (SERVICE_VIEW,), "retrieve": (SERVICE_VIEW,), "create": (SERVICE_IMPORT,),
                      "redraft": (SERVICE_REPLY,), "close": (SERVICE_REPLY,)}
    throttled_actions = ("create",)

    @extend_schema(request=ServiceMessageCreateSerializer,
                   responses={201: ServiceMessageSerializer, 200: ServiceMessageSerializer, 400: BAD_REQUEST},
                   description="Import one message (e.g. from a mailbox). Its draft is written by a worker. An "
                               "external_id seen before returns the stored message (200).")
    def create(self, request):
        data = self.validated(ServiceMessageCreateSerializer)
        with transaction.atomic():
            message, created = receive(channel=ServiceMessage.API, **data)
        return Response(ServiceMessageSerializer(message).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={202: ServiceMessageSerializer, 400: BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def redraft(self, request, pk=None):
        message = redraft(self.get_object())
        return Response(ServiceMessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ServiceMessageSerializer, 400: BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return Response(ServiceMessageSerializer(close_message(self.get_object())).data)


class ServiceDraftViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Reply drafts: the context each was grounded on, the guard's verdict, and staff's decision."""

    queryset = ServiceDraft.objects.order_by("-created_at", "-pk")
    serializer_class = ServiceDraftSerializer
    required_perms = {"list": (SERVICE_VIEW,), "retrieve": (SERVICE_VIEW,), "send": (SERVICE_REPLY,),
                      "discard": (SERVICE_REPLY,), "training_pairs": (SERVICE_VIEW,)}

    @extend_schema(request=SendSerializer, responses={200: ServiceDraftSerializer, 400: BAD_REQUEST},
                   description="E-mail the draft (or the edited text) to the customer; an edit is guarded again "
                               "and recorded.")
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        data = self.validated(SendSerializer)
        return Response(ServiceDraftSerializer(send_draft(self.get_object(), request.user, text=data.get("text"),
                                                          channel="api")).data)

    @extend_schema(request=None, responses={200: ServiceDraftSerializer, 400: BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        return Response(ServiceDraftSerializer(discard_draft(self.get_object(), request.user)).data)

    @extend_schema(request=None, responses={(200, "application/x-ndjson"): OpenApiTypes.STR},
                   description="Every sent reply as a training pair (kind, intent, prompt, context, message, target), "
                               "contact details masked, one JSON object per line.")
    @action(detail=False, methods=["get"], url_path="training-pairs")
    def training_pairs(self, request):
        return StreamingHttpResponse(training_jsonl(), content_type="application/x-ndjson; charset=utf-8")
