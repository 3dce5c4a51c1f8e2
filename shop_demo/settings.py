"""Settings of the demo store: an Oscar 4.2 shop with copygen_oscar plugged in.

Everything that differs between a laptop and a server comes from the environment:
  DATABASE_URL        default: SQLite file var/shop_demo.sqlite3
  CELERY_BROKER_URL   default: kombu's filesystem transport under var/broker (no server needed);
                      redis://127.0.0.1:6379/0 (or amqp://...) for a real broker
  DJANGO_DEBUG        "1" (default, the demo's documented dev mode) or "0"
  DJANGO_SECRET_KEY   required when DJANGO_DEBUG=0
  DJANGO_ALLOWED_HOSTS, DJANGO_SECURE_SSL   production only (see README "Production settings")
  COPYGEN_MODEL_PATH  default: unset, so the active registry version or else the model shipped in the package serves
  COPYGEN_REDIS_URL   default: unset, so serving's cache and event buffer are files under var/; redis://... for Redis
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from oscar.defaults import *  # noqa: F403  (Oscar's documented way to start a shop's settings)

from copygen_oscar.schedules import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOP_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default):
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "demo-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"  # noqa: S105
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "").split(",")

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'shop_demo.sqlite3'}", conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for locks instead of failing, write-ahead log for readers,
    # IMMEDIATE transactions so a writer takes the lock up front instead of deadlocking on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_shop_demo.sqlite3")}
else:
    # One transaction per request (Oscar's recommendation). Not on SQLite: IMMEDIATE transactions would make
    # every page, even a read, queue for the single write lock behind the worker.
    DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    "django_celery_beat",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served by the store itself: no CDN
    # copygen: the app and its dashboard pages.
    "copygen_oscar.apps.CopygenConfig",
    "copygen_oscar.dashboard.apps.CopygenDashboardConfig",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    # copygen: an anonymous visitor id for sticky copy choices and conversion attribution.
    "copygen_oscar.serving.visitors.VisitorMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]
ROOT_URLCONF = "shop_demo.urls"
WSGI_APPLICATION = "shop_demo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
# The simple engine searches the database directly; Oscar's realtime index updates would only warn on every save.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
THUMBNAIL_DEBUG = False

OSCAR_SHOP_NAME = "Copygen demo store"
OSCAR_SHOP_TAGLINE = "copy written by a model, checked against the catalogue"
OSCAR_DEFAULT_CURRENCY = "GBP"
OSCAR_DASHBOARD_NAVIGATION = OSCAR_DASHBOARD_NAVIGATION + [  # noqa: F405
    {"label": "Copy", "icon": "fas fa-pen-nib", "children": [
        {"label": "Requests", "url_name": "copygen_dashboard:copygen-overview"},
        {"label": "Bulk jobs", "url_name": "copygen_dashboard:copygen-jobs"},
        {"label": "New bulk generation", "url_name": "copygen_dashboard:copygen-job-create"},
        {"label": "Experiments", "url_name": "copygen_dashboard:copygen-experiments"},
        {"label": "Audit log", "url_name": "copygen_dashboard:copygen-audit"},
        {"label": "Models", "url_name": "copygen_dashboard:copygen-models"},
        {"label": "Service replies", "url_name": "copygen_dashboard:copygen-service"},
        {"label": "Banner campaigns", "url_name": "copygen_dashboard:copygen-campaigns"},
    ]},
]

# copygen's REST API (copygen_oscar.api): session auth for the dashboard's own pages, tokens for scripts.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"copygen_generate": os.environ.get("COPYGEN_API_GENERATE_RATE", "60/minute")},
}
# Public contact forms: messages per client address per window (count, seconds).
COPYGEN_SERVICE_FORM_RATE = (int(os.environ.get("COPYGEN_SERVICE_FORM_RATE", "5")), 600)
SPECTACULAR_SETTINGS = {
    "TITLE": "copygen-oscar API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"

# Production hardening, on whenever DEBUG is off (`manage.py check --deploy` is clean then).
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    OSCAR_BASKET_COOKIE_SECURE = OSCAR_RECENTLY_VIEWED_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Celery: the database holds the work, the broker only carries wake-ups.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    # Every process must use the SAME folder for in and out, or messages are never seen.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "copygen_cpu"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

COPYGEN_MODEL_PATH = os.environ.get("COPYGEN_MODEL_PATH") or None
# A model served elsewhere (vLLM, TGI): COPYGEN_BACKEND=copygen_oscar.backends.openai.OpenAIBackend and its server.
COPYGEN_BACKEND = os.environ.get("COPYGEN_BACKEND", "copygen_oscar.backends.transformers.TransformersBackend")
COPYGEN_OPENAI_BASE_URL = os.environ.get("COPYGEN_OPENAI_BASE_URL", "http://127.0.0.1:8001/v1")
COPYGEN_OPENAI_MODEL = os.environ.get("COPYGEN_OPENAI_MODEL", "")
COPYGEN_OPENAI_API_KEY = os.environ.get("COPYGEN_OPENAI_API_KEY", "")
COPYGEN_SWEEP_INTERVAL = float(os.environ.get("COPYGEN_SWEEP_INTERVAL", "15"))
COPYGEN_STALE_PENDING_SECONDS = float(os.environ.get("COPYGEN_STALE_PENDING_SECONDS", "20"))
COPYGEN_BRAND_NAME = "Copygen demo store"
# Store policy that customer-service replies may state (copygen_oscar.service.context).
COPYGEN_SERVICE_RETURNS_DAYS = 30
COPYGEN_SERVICE_SHIPPING_TIMES = {"Free shipping": "3-5 working days", "*": "3-5 working days"}
# The demo model is tiny: it needs many tries to write a few true descriptions, which batching makes cheap.
COPYGEN_CANDIDATES_PER_VARIANT = int(os.environ.get("COPYGEN_CANDIDATES_PER_VARIANT", "8"))
COPYGEN_SEED = int(os.environ["COPYGEN_SEED"]) if os.environ.get("COPYGEN_SEED") else None
COPYGEN_FLUSH_INTERVAL = float(os.environ.get("COPYGEN_FLUSH_INTERVAL", "10"))
COPYGEN_TUNE_INTERVAL = float(os.environ.get("COPYGEN_TUNE_INTERVAL", "300"))
COPYGEN_ATTRIBUTION_HOURS = float(os.environ.get("COPYGEN_ATTRIBUTION_HOURS", "72"))
COPYGEN_SERVING = env_bool("COPYGEN_SERVING", True)
# Prometheus scrapes /metrics/ with "Authorization: Bearer <token>" (empty: staff with the copygen view right only).
COPYGEN_METRICS_TOKEN = os.environ.get("COPYGEN_METRICS_TOKEN", "")
# Generator tunes (KTO on the demo's conversions) are written here as candidate versions.
COPYGEN_TUNED_MODELS_DIR = VAR_DIR / "models"
CELERY_BEAT_SCHEDULE = beat_schedule(COPYGEN_SWEEP_INTERVAL, "copygen_cpu", COPYGEN_FLUSH_INTERVAL,
                                     COPYGEN_TUNE_INTERVAL)
# Banner campaigns: recover stale generation claims and re-send lost render work (copygen_oscar.banners.tasks).
# Banner brand: colours of the rendered campaign banners and the logo drawn on them.
COPYGEN_BANNER_COLOURS = {"background": "#1f3a5f", "text": "#ffffff", "accent": "#f2b33d", "accent_text": "#111111"}
COPYGEN_BANNER_LOGO = BASE_DIR / "shop_demo" / "banner-logo.png"
# The schedule lives in the database (django-celery-beat): staff change or pause it in the admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Serving reads its arm tables from the cache, shared by web and worker processes: Redis when COPYGEN_REDIS_URL is
# set (its event buffer too), otherwise files under var/ (one machine, no server needed).
COPYGEN_REDIS_URL = os.environ.get("COPYGEN_REDIS_URL", "")
if COPYGEN_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": COPYGEN_REDIS_URL,
                          "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}}}
    COPYGEN_EVENT_BUFFER = "copygen_oscar.serving.events.RedisBuffer"
else:
    # Sticky choices are one entry per visitor and product: room for many before the backend culls.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache"), "OPTIONS": {"MAX_ENTRIES": 200000}}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"copygen_oscar": {"handlers": ["console"], "level": os.environ.get("COPYGEN_LOG_LEVEL", "INFO")}},
}
