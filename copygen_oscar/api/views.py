"""The merchant workflow over HTTP: the dashboard's service functions and rights, as JSON.

Status codes: 400 is invalid input (``{field: [messages]}``) or a refusal the workflow or the registry explains
(``{"detail": why}``). Refusals are 400 whether the input or the object's state was at fault, because the services
raise one error type for both and the API does not guess which. 403 is a missing right, 404 an unknown id in the
URL, 413 a body over the parser's limit, 415 a body that is not JSON, 429 the generation throttle.
"""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oscar.core.loading import get_model
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from .. import registry
from ..permissions import CANCEL_JOB, CHANGE_MODELS, GENERATE, PUBLISH, REVIEW, VIEW, VIEW_MODELS
from ..requests import request_generation
from ..workflow import WorkflowError, jobs, publishing, review
from ..workflow.audit import record
from . import serializers as s
from .parsers import BoundedJSONParser
from .permissions import CopygenPermission

BulkJob = get_model("copygen", "BulkJob")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
ModelVersion = get_model("copygen", "ModelVersion")
Product = get_model("catalogue", "Product")
Publication = get_model("copygen", "Publication")

BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Invalid input, as {field: [messages]}, or a refusal, as {"detail": why} (for example: the variant '
                "is not in a state that allows this).")


class Refused(APIException):
    """A refusal a service explained, answered as ``{"detail": message}``: its messages are written for merchants."""

    status_code = 400
    default_code = "refused"


class CopygenViewSet(viewsets.GenericViewSet):
    """Rights per action (``required_perms``), JSON in and out, list filters checked like any other input.

    No browsable API: the API is for programs; people have the dashboard, and the Swagger UI to try calls.
    """

    permission_classes = [CopygenPermission]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]
    required_perms = {}
    filter_serializer_class = None
    throttle_scope = "copygen_generate"
    throttled_actions = ()  # the ones that queue GPU work

    def get_throttles(self):
        if self.action in self.throttled_actions:
            return [ScopedRateThrottle()]
        return super().get_throttles()

    def handle_exception(self, exc):
        # One mapping for every endpoint; DRF's handler then rolls back the request's transaction as for any error.
        if isinstance(exc, (WorkflowError, registry.RegistryError)):
            exc = Refused(str(exc))
        return super().handle_exception(exc)

    def filter_queryset(self, queryset):
        if self.action != "list" or self.filter_serializer_class is None:
            return queryset
        return queryset.filter(**self.validated(self.filter_serializer_class, self.request.query_params))

    def validated(self, serializer_class, data=None):
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@extend_schema_view(list=extend_schema(parameters=[s.VariantFilterSerializer]))
class VariantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CopygenViewSet):
    """Generated copy: review it (approve, reject, edit), then publish it into the product."""

    queryset = CopyVariant.objects.select_related("model_version").order_by("-created_at", "index", "-pk")
    serializer_class = s.CopyVariantSerializer
    filter_serializer_class = s.VariantFilterSerializer
    required_perms = {"list": (VIEW,), "retrieve": (VIEW,), "approve": (REVIEW,), "reject": (REVIEW,),
                      "edit": (REVIEW,), "publish": (PUBLISH,)}

    @extend_schema(request=None, responses={200: s.CopyVariantSerializer, 400: BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        variant = review.approve(self.get_object(), request.user, channel="api")
        return Response(s.CopyVariantSerializer(variant).data)

    @extend_schema(request=s.RejectSerializer, responses={200: s.CopyVariantSerializer, 400: BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        variant = self.get_object()
        data = self.validated(s.RejectSerializer)
        variant = review.reject(variant, request.user, channel="api", reason=data["reason"])
        return Response(s.CopyVariantSerializer(variant).data)

    @extend_schema(request=s.EditSerializer, responses={200: s.CopyVariantSerializer, 400: BAD_REQUEST},
                   description="Replace a draft's or approved variant's copy; it is marked human-edited and guarded "
                               "again, and kept whatever the guard says (its verdict is in `guard`).")
    @action(detail=True, methods=["post", "patch"])
    def edit(self, request, pk=None):
        variant = self.get_object()
        data = self.validated(s.EditSerializer)
        variant = review.edit(variant, data["text"], request.user, channel="api")
        return Response(s.CopyVariantSerializer(variant).data)

    @extend_schema(request=None, responses={201: s.PublicationSerializer, 400: BAD_REQUEST},
                   description="Write an approved variant into the product's own fields (kinds without one are "
                               "served by copygen); the variant becomes the live one.")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        publication = publishing.publish(self.get_object(), request.user, channel="api")
        return Response(s.PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)


class ProductViewSet(CopygenViewSet):
    """Only what the API does to products themselves: put earlier copy back."""

    queryset = Product.objects.all()
    required_perms = {"revert": (PUBLISH,)}

    @extend_schema(request=s.RevertSerializer, responses={201: s.PublicationSerializer, 400: BAD_REQUEST},
                   description="Write back the copy as a publication left it (null: as it was before copygen's "
                               "first write). The revert is itself a publication, so it can be reverted in turn.")
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        product = self.get_object()
        data = self.validated(s.RevertSerializer)
        publication = publishing.revert(product, data["kind"], data["publication"], request.user, channel="api")
        return Response(s.PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[s.PublicationFilterSerializer]))
class PublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CopygenViewSet):
    """Every write into a product's fields, with what was there before: the versions a revert can go back to."""

    queryset = Publication.objects.order_by("-published_at", "-pk")
    serializer_class = s.PublicationSerializer
    filter_serializer_class = s.PublicationFilterSerializer
    required_perms = {"list": (VIEW,), "retrieve": (VIEW,)}


@extend_schema_view(list=extend_schema(parameters=[s.RequestFilterSerializer]))
class GenerationRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CopygenViewSet):
    """Requests for copy: the rows workers claim. Asking again while one waits joins the waiting one."""

    queryset = GenerationRequest.objects.order_by("-created_at", "-pk")
    serializer_class = s.GenerationRequestSerializer
    filter_serializer_class = s.RequestFilterSerializer
    required_perms = {"list": (VIEW,), "retrieve": (VIEW,), "create": (GENERATE,)}
    throttled_actions = ("create",)

    @extend_schema(request=s.RequestCreateSerializer,
                   responses={202: s.GenerationRequestSerializer, 400: BAD_REQUEST, 429: OpenApiTypes.OBJECT},
                   description="Queue copy for one product. The answer is the request row (a new one, or the one "
                               "already waiting for this product and kind); its variants appear under variants/.")
    def create(self, request):
        data = self.validated(s.RequestCreateSerializer)
        product = data["product"]
        with transaction.atomic():
            try:
                generation, created = request_generation(product, kind=data["kind"], source=GenerationRequest.API,
                                                         n=data.get("n"), tone=data["tone"],
                                                         segment=data["segment"], user=request.user)
            except ValueError as exc:  # the service's own checks, should they ever go beyond the serializer's
                raise Refused(str(exc)) from None
            if not created:  # joining raises the waiting row's n in the database, not on the object returned
                generation.refresh_from_db()
            record("generate", actor=request.user, channel="api", product=product, request=generation.pk,
                   kind=data["kind"])
        return Response(s.GenerationRequestSerializer(generation).data, status=status.HTTP_202_ACCEPTED)


class BulkJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CopygenViewSet):
    """Copy for many products at once; progress is counted from the job's request rows."""

    queryset = BulkJob.objects.order_by("-created_at", "-pk")
    serializer_class = s.BulkJobSerializer
    required_perms = {"list": (VIEW,), "retrieve": (VIEW,), "progress": (VIEW,), "create": (GENERATE,),
                      "cancel": (CANCEL_JOB,)}
    throttled_actions = ("create",)

    @extend_schema(request=s.JobCreateSerializer,
                   responses={201: s.BulkJobSerializer, 400: BAD_REQUEST, 429: OpenApiTypes.OBJECT})
    def create(self, request):
        data = self.validated(s.JobCreateSerializer)
        job = jobs.create_job(data["selection"], kinds=data["kinds"], tone=data["tone"], segment=data["segment"],
                              n=data.get("n"), user=request.user, channel="api")
        return Response(s.BulkJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.JobProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        return Response(jobs.progress(self.get_object()))

    @extend_schema(request=None, responses={200: s.BulkJobSerializer, 400: BAD_REQUEST},
                   description="Requests not yet finished end as cancelled; finished ones keep their copy.")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = jobs.cancel(self.get_object(), request.user, channel="api")
        return Response(s.BulkJobSerializer(job).data)


class ModelVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CopygenViewSet):
    """The model registry. Which model writes for shoppers is a person's decision, taken here or on the dashboard."""

    queryset = ModelVersion.objects.order_by("-created_at", "-pk")
    serializer_class = s.ModelVersionSerializer
    required_perms = {"list": (VIEW_MODELS,), "retrieve": (VIEW_MODELS,), "activate": (CHANGE_MODELS,),
                      "retire": (CHANGE_MODELS,)}

    @extend_schema(request=None, responses={200: s.ModelVersionSerializer, 400: BAD_REQUEST},
                   description="Serve this version from the next batch on; the active one is retired. Refused when "
                               "its folder changed since it was registered.")
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._change(registry.activate, "activate_model")

    @extend_schema(request=None, responses={200: s.ModelVersionSerializer, 400: BAD_REQUEST},
                   description="Take this version out of service; with none active, workers serve the configured "
                               "model.")
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        return self._change(registry.retire, "retire_model")

    def _change(self, change, audit_action):
        version = self.get_object()
        with transaction.atomic():
            change(version, user=self.request.user)
            record(audit_action, actor=self.request.user, channel="api", version=version.pk)
        return Response(s.ModelVersionSerializer(version).data)


class SchemaView(SpectacularAPIView):
    permission_classes = [CopygenPermission]


class DocsView(SpectacularSwaggerView):
    permission_classes = [CopygenPermission]
