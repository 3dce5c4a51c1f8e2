"""``api/copygen/``: one router for the workflow, plus its OpenAPI schema and Swagger UI."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "copygen_api"

# SimpleRouter: no API root view, so every URL here is a viewset endpoint behind CopygenPermission.
router = SimpleRouter()
router.register("variants", views.VariantViewSet, basename="variant")
router.register("products", views.ProductViewSet, basename="product")
router.register("publications", views.PublicationViewSet, basename="publication")
router.register("requests", views.GenerationRequestViewSet, basename="request")
router.register("jobs", views.BulkJobViewSet, basename="job")
router.register("models", views.ModelVersionViewSet, basename="model")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="copygen_api:schema"), name="docs"),
    *router.urls,
]
