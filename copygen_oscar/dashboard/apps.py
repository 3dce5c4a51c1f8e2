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

    def get_urls(self):
        urls = [
            path("", self.overview_view.as_view(), name="copygen-overview"),
            path("products/<int:pk>/", self.product_view.as_view(), name="copygen-product"),
        ]
        return self.post_process_urls(urls)
