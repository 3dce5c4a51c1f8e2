from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # copygen's dashboard pages, under Oscar's dashboard prefix.
    path("dashboard/copygen/", apps.get_app_config("copygen_dashboard").urls),
    path("api/copygen/", include("copygen_oscar.api.urls")),
    # copygen's storefront banner clicks (counted, then redirected to the campaign's page).
    path("copygen/", include("copygen_oscar.banners.urls")),
    # Customer-service contact forms (copygen_oscar.service), before Oscar's catch-all.
    path("contact/", include("copygen_oscar.service.urls")),
    path("metrics/", include("copygen_oscar.metrics")),  # Prometheus text format: staff or COPYGEN_METRICS_TOKEN
    path("", include(apps.get_app_config("oscar").urls[0])),
]
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
