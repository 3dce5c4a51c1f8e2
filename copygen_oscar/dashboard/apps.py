from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig
from oscar.core.loading import get_class


class CopygenDashboardConfig(OscarDashboardConfig):
    label = "copygen_dashboard"
    name = "copygen_oscar.dashboard"
    verbose_name = _("Copy generation dashboard")
    namespace = "copygen_dashboard"
    # Oscar dashboard apps are open to anyone unless they say otherwise.
    default_permissions = ["is_staff"]

    def ready(self):
        self.overview_view = get_class("copygen_dashboard.views", "OverviewView")
        self.product_view = get_class("copygen_dashboard.views", "ProductCopyView")
        self.model_list_view = get_class("copygen_dashboard.views", "ModelListView")
        self.model_status_view = get_class("copygen_dashboard.views", "ModelStatusView")

    def get_urls(self):
        urls = [
            path("", self.overview_view.as_view(), name="copygen-overview"),
            path("products/<int:pk>/", self.product_view.as_view(), name="copygen-product"),
            path("models/", self.model_list_view.as_view(), name="copygen-models"),
            path("models/<int:pk>/<slug:action>/", self.model_status_view.as_view(), name="copygen-model-status"),
        ]
        return self.post_process_urls(urls)
