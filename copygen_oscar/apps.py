from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CopygenConfig(AppConfig):
    name = "copygen_oscar"
    label = "copygen"
    verbose_name = _("Copy generation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the product save receiver)
        from .serving import receivers as serving_receivers  # noqa: F401  (basket, order and cache receivers)
        from .service import tasks as service_tasks  # noqa: F401  (registers the service reply Celery tasks)
        from .banners import tasks as banner_tasks  # noqa: F401  (registers the banner Celery tasks)
