"""``api/copygen/``: one router for the workflow, plus its OpenAPI schema and Swagger UI."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import campaigns, views
from . import service as service_api

app_name = "copygen_api"

# SimpleRouter: no API root view, so every URL here is a viewset endpoint behind CopygenPermission.
router = SimpleRouter()
router.register("variants", views.VariantViewSet, basename="variant")
router.register("products", views.ProductViewSet, basename="product")
router.register("publications", views.PublicationViewSet, basename="publication")
router.register("requests", views.GenerationRequestViewSet, basename="request")
router.register("jobs", views.BulkJobViewSet, basename="job")
router.register("models", views.ModelVersionViewSet, basename="model")
router.register("service-messages", service_api.ServiceMessageViewSet, basename="service-message")
router.register("service-drafts", service_api.ServiceDraftViewSet, basename="service-draft")
router.register("campaigns", campaigns.CampaignViewSet, basename="campaign")
router.register("banners", campaigns.BannerViewSet, basename="banner")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="copygen_api:schema"), name="docs"),
    *router.urls,
]
