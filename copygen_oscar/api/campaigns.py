"""Banner campaigns over HTTP, in the style of the copy endpoints: the dashboard's workflow functions and rights.

``/api/copygen/campaigns/``: list, retrieve, create; ``generate``, ``schedule``, ``retire`` actions.
``/api/copygen/banners/``: list (``?campaign=``), retrieve; ``approve``, ``reject``, ``retire``, ``edit`` actions.
Image URLs and the measured text boxes of each size are in ``renders``.
"""

from django.core.files.storage import default_storage
from drf_spectacular.utils import extend_schema
from oscar.core.loading import get_model
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ..banners import workflow
from ..banners.permissions import ADD_CAMPAIGN, CHANGE_CAMPAIGN, REVIEW_BANNERS, VIEW_CAMPAIGNS
from ..kinds import TONES
from .views import BAD_REQUEST, CopygenViewSet

BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")


class BannerVariantSerializer(serializers.ModelSerializer):
    renders = serializers.SerializerMethodField()

    class Meta:
        model = BannerVariant
        fields = ["id", "campaign", "index", "fields", "body", "status", "guard", "scores", "human_edited",
                  "render_status", "render_reason", "renders", "clicks", "model_version", "created_at"]
        read_only_fields = fields

    def get_renders(self, variant) -> dict:
        out = {}
        for size, entry in (variant.renders or {}).items():
            out[size] = {**entry, **{f"{fmt}_url": default_storage.url(entry[fmt]) for fmt in ("png", "webp")
                                     if entry.get(fmt)}}
        return out


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = BannerCampaign
        fields = ["id", "name", "goal", "offer", "range", "category", "product", "featured_product", "starts_at",
                  "ends_at", "status", "tone", "n_variants", "facts", "generation_status", "generation_reason",
                  "created_at"]
        read_only_fields = ["status", "facts", "generation_status", "generation_reason", "created_at"]


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    goal = serializers.ChoiceField(choices=[c for c, _ in BannerCampaign.GOAL_CHOICES])
    offer = serializers.PrimaryKeyRelatedField(queryset=ConditionalOffer.objects.all(), required=False,
                                               allow_null=True)
    range = serializers.PrimaryKeyRelatedField(queryset=Range.objects.all(), required=False, allow_null=True)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    featured_product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False,
                                                          allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    tone = serializers.ChoiceField(choices=["", *TONES], required=False, default="")
    n_variants = serializers.IntegerField(min_value=1, max_value=10, required=False, default=3)

    def validate(self, data):
        errors = {}
        for field, message in workflow.validate(data):
            errors.setdefault(field or "non_field_errors", []).append(message)
        if errors:
            raise serializers.ValidationError(errors)
        return data


class BannerEditSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=workflow.MAX_EDIT_CHARS,
                                 help_text='"Headline: ...", "Subline: ...", "Call to action: ..." lines')


class BannerFilterSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=[c for c, _ in BannerVariant.STATUS_CHOICES], required=False)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CopygenViewSet):
    """Banner campaigns: create one for an offer, range, category or product; generate, schedule, retire."""

    queryset = BannerCampaign.objects.order_by("-created_at", "-pk")
    serializer_class = CampaignSerializer
    throttled_actions = ("generate",)
    required_perms = {"list": (VIEW_CAMPAIGNS,), "retrieve": (VIEW_CAMPAIGNS,), "create": (ADD_CAMPAIGN,),
                      "generate": (CHANGE_CAMPAIGN,), "schedule": (CHANGE_CAMPAIGN,), "retire": (CHANGE_CAMPAIGN,)}

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignSerializer, 400: BAD_REQUEST})
    def create(self, request):
        data = dict(self.validated(CampaignInputSerializer))
        campaign = workflow.create_campaign(data, request.user, channel="api")
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: CampaignSerializer, 400: BAD_REQUEST},
                   description="Ask for banner copy; the campaign's generation_status says when it is done.")
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        campaign = self.get_object()
        workflow.generate(campaign, request.user, channel="api")
        campaign.refresh_from_db()
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: CampaignSerializer, 400: BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        return Response(CampaignSerializer(workflow.schedule(self.get_object(), request.user, channel="api")).data)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        return Response(CampaignSerializer(workflow.retire(self.get_object(), request.user, channel="api")).data)


class BannerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CopygenViewSet):
    """A campaign's banners with their rendered images: approve, reject, retire, edit."""

    queryset = BannerVariant.objects.order_by("-created_at", "index", "-pk")
    serializer_class = BannerVariantSerializer
    filter_serializer_class = BannerFilterSerializer
    required_perms = {"list": (VIEW_CAMPAIGNS,), "retrieve": (VIEW_CAMPAIGNS,), "approve": (REVIEW_BANNERS,),
                      "reject": (REVIEW_BANNERS,), "retire": (REVIEW_BANNERS,), "edit": (REVIEW_BANNERS,)}

    @extend_schema(request=None, responses={200: BannerVariantSerializer, 400: BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return Response(BannerVariantSerializer(workflow.approve(self.get_object(), request.user, "api")).data)

    @extend_schema(request=None, responses={200: BannerVariantSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return Response(BannerVariantSerializer(workflow.reject(self.get_object(), request.user, "api")).data)

    @extend_schema(request=None, responses={200: BannerVariantSerializer})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        return Response(BannerVariantSerializer(workflow.retire_variant(self.get_object(), request.user, "api")).data)

    @extend_schema(request=BannerEditSerializer, responses={201: BannerVariantSerializer, 400: BAD_REQUEST},
                   description="A person's wording, guarded against the campaign's facts, saved as a new draft.")
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        variant = self.get_object()
        data = self.validated(BannerEditSerializer)
        new = workflow.edit(variant, data["text"], request.user, channel="api")
        return Response(BannerVariantSerializer(new).data, status=status.HTTP_201_CREATED)
