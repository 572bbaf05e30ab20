"""The portal's one settings module: every knob comes from the environment.

The README's settings table lists each variable. Secrets have no production default:
`SECRET_KEY` is required whenever `DEBUG` is off.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-when-debug-is-off"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "csp",
    "axes",
    "drf_spectacular_sidecar",
    # The layers, bottom to top (docs/architecture.md): the kernel's audit ledger, then
    # accounts → catalogue → compliance (review workflow, transfer rules) → licensing, and
    # last the faces and the project itself (`marketplace`: pages, API, admin, commands).
    "kernel.ledger",
    "kernel.outbox",
    "accounts.apps.AccountsConfig",
    "catalogue",
    "compliance.apps.ComplianceConfig",
    "compliance.rules",
    "licensing",
    "marketplace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "marketplace.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.accounts.context_processors.active_organization",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a competing writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)

# --- Database at scale: persistent connections and the catalogue's read replica ---------
# Production (DEBUG off) keeps each worker's connection for a minute instead of opening one
# per request, and checks it before reusing it, so a restarted database costs a reconnect,
# not a failed request. Development opens one per request, as Django does by default.
DB_CONN_MAX_AGE = env.int("DB_CONN_MAX_AGE", default=0 if DEBUG else 60)
DB_CONN_HEALTH_CHECKS = env.bool("DB_CONN_HEALTH_CHECKS", default=not DEBUG)
DATABASES["default"]["CONN_MAX_AGE"] = DB_CONN_MAX_AGE
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DB_CONN_HEALTH_CHECKS
# A streaming replica for the catalogue's browse and search reads (marketplace/db_router.py:
# only those reads, never inside a transaction; everything else stays on the primary).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DB_CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": DB_CONN_HEALTH_CHECKS,
        # The test run has one database: the replica alias reads it through the same
        # connection, as a replica that is never behind would.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["marketplace.db_router.CatalogueReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits live here) --------------------------------------------------------
# Rate-limit counters (log-in, sign-up, API throttles) must be shared by every worker, or N
# workers multiply each limit by N: CACHE_URL names the cache; without it, REDIS_URL (a
# Redis the deployment already runs) is used; only with neither does each process count on
# its own (development, tests).
_CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url_config(_CACHE_URL or "locmemcache://")}

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# Object permissions go to organisation groups, never to the anonymous user.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
# Rate limits on authentication (django-ratelimit syntax "count/period").
LOGIN_RATE_LIMIT = env.str("LOGIN_RATE_LIMIT", default="10/m")
SIGNUP_RATE_LIMIT = env.str("SIGNUP_RATE_LIMIT", default="5/h")
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_VIEW = "marketplace.accounts.views.rate_limited"
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("ms", "Bahasa Melayu")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Unambiguous dates per language ("2 Dec 2026", "2026年12月2日", "2 Dis 2026"): marketplace/formats.
FORMAT_MODULE_PATH = ["marketplace.formats"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Kuala_Lumpur")
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Large uploads are spooled here while they arrive; a web process killed mid-upload leaves
# its file behind, which the hourly clean-up removes once it is older than the grace.
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=str(MEDIA_ROOT / ".incoming"))
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
UPLOAD_CLEANUP_GRACE_SECONDS = env.int("UPLOAD_CLEANUP_GRACE_SECONDS", default=6 * 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Data regions (docs/architecture.md, "The access engine") -----------------------------
# Each jurisdiction's data is stored, checked and queried in its data region, by workers
# started for it (`make worker REGION=cn`); "*" takes every jurisdiction no region names.
# The development default keeps every region under MEDIA_ROOT, in separate roots.
DATA_REGIONS = env.json(
    "DATA_REGIONS",
    default={
        "cn": {"jurisdictions": ["CN"], "root": str(MEDIA_ROOT / "regions" / "cn")},
        "my": {"jurisdictions": ["MY"], "root": str(MEDIA_ROOT / "regions" / "my")},
        "sg": {"jurisdictions": ["SG", "*"], "root": str(MEDIA_ROOT / "regions" / "sg")},
    },
)
# The region a worker process serves (set by `make worker REGION=...`); empty elsewhere.
DATA_REGION = env.str("DATA_REGION", default="")
# Each query runs in a fresh, sandboxed DuckDB with these limits; the web process waits for
# the region's answer at most ACCESS_WAIT_SECONDS and then answers 504.
ACCESS_QUERY_MEMORY_LIMIT = env.str("ACCESS_QUERY_MEMORY_LIMIT", default="512MB")
ACCESS_QUERY_THREADS = env.int("ACCESS_QUERY_THREADS", default=2)
ACCESS_QUERY_SECONDS = env.float("ACCESS_QUERY_SECONDS", default=20.0)
ACCESS_WAIT_SECONDS = env.float("ACCESS_WAIT_SECONDS", default=25.0)
DATASET_PREPARE_SECONDS = env.float("DATASET_PREPARE_SECONDS", default=100.0)

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Data Exchange <no-reply@localhost>")
SITE_NAME = env.str("SITE_NAME", default="Jambatan Data Exchange")
# The portal's public address: links in e-mails and the IRIs of the ODRL policies stored
# with every licence (a policy keeps the address it was granted under).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Security hardening: TLS, CSP, lock-out, bounded JSON (README, "Security") ------------
# TLS: a deployment behind HTTPS sets these (`manage.py check --deploy --fail-level WARNING`
# passes with them; tests/marketplace/test_security_settings.py runs it).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# The health probes answer over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Content-Security-Policy (django-csp 4): only the exchange's own scripts, and an inline
# <script> or <style> only with the nonce of its response ({{ CSP_NONCE }}). Style
# *attributes* stay allowed (style-src-attr): they cannot run code, and the templates and the
# admin use them for layout. Swagger UI is served from the exchange (the sidecar package).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", csp_constants.NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Account lock-out (django-axes), on top of the per-IP and per-username throttles: after
# LOGIN_LOCKOUT_FAILURES failed log-ins an account is locked for LOGIN_LOCKOUT_HOURS (or
# until an exchange administrator unlocks it: admin → Users → "Unlock log-in"); so is an
# address that failed as often, whichever accounts it tried.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_LOCKOUT_FAILURES", default=10)
AXES_COOLOFF_TIME = timedelta(hours=env.float("LOGIN_LOCKOUT_HOURS", default=1.0))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The log-in forms (the site's and the admin's) post the e-mail address as "username".
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "marketplace.accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "marketplace.accounts.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False

# Every JSON body of the API: at most this many bytes and this many nested levels.
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=1024 * 1024)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "marketplace.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "marketplace.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="120/min"),
        "user": env.str("API_USER_RATE", default="600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Data Exchange API",
    "DESCRIPTION": (
        "Browse reviewed data products, request licences and use licensed products "
        "between China and ASEAN. Authenticate with `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "JurisdictionEnum": "accounts.jurisdictions.JURISDICTION_CHOICES",
        "ProductStatusEnum": "catalogue.models.DataProduct.Status",
        "StageStatusEnum": "compliance.models.StageReview.Status",
        "CaseStatusEnum": "compliance.models.ReviewCase.Status",
        # One enum per model: a licence request's statuses are not a licence's.
        "LicenceRequestStatusEnum": "licensing.models.LicenceRequest.Status",
        "LicenceStatusEnum": "licensing.models.Licence.Status",
        "OrganizationRecipientTypeEnum": "accounts.models.Organization.RecipientType",
        "TransferRecipientTypeEnum": "compliance.rules.engine.RECIPIENT_TYPES",
    },
    # Status codes every operation can answer, unknown fields refused, unique operation
    # ids: marketplace/api/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketplace.api.schema.document_every_answer",
    ],
}

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or None
# No broker configured: tasks run in-process, eagerly, so the zero-setup default works.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
# Query answers come back from the data regions through the result backend: the broker
# itself with Redis, RabbitMQ's direct reply-to ("rpc://") with RabbitMQ.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or (
    (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "rpc://")
    if CELERY_BROKER_URL
    else None
)
# A unit of work is short (one automated check, one e-mail), so a worker that dies is
# replaced quickly: a Redis broker hands an unacknowledged task to another worker after the
# visibility timeout, which must exceed the hard time limit (a system check insists).
# RabbitMQ hands it over as soon as the dead worker's connection drops.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=100)
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=150)
# How long publishing may wait for a broker that does not answer (the request that queued
# the work does not wait longer: the outbox keeps it).
CELERY_BROKER_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=2.0)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")


# A worker started without -Q serves the default queue and every data region's queue (one
# machine holding every region's storage: development, a single-node deployment). Region
# workers name their own queue (`make worker REGION=cn`); see README, "Data regions".
def _queue(name: str) -> Queue:
    # Each queue its own direct exchange and routing key, as Celery makes a queue it is sent
    # to by name (a bare Queue(name) would be bound to the default queue's exchange and key,
    # and every message would reach every queue).
    return Queue(name, Exchange(name, type="direct"), routing_key=name)


CELERY_TASK_QUEUES = [
    _queue(CELERY_TASK_DEFAULT_QUEUE),
    *(_queue(spec.get("queue") or f"data.{code}") for code, spec in DATA_REGIONS.items()),
]
# Modules that declare tasks beside the services that queue them (autodiscovery finds the
# apps' own `tasks` modules too).
CELERY_IMPORTS = (
    "compliance.services.checking",
    "kernel.mail",
    "kernel.storage",
    "licensing.regional",
)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=15)
# A stage still checking this long after its checks were queued has lost them.
STAGE_CHECKS_STUCK_AFTER = env.int(
    "STAGE_CHECKS_STUCK_AFTER",
    default=CELERY_TASK_TIME_LIMIT + CELERY_VISIBILITY_TIMEOUT + 120,
)
CELERY_BEAT_SCHEDULE: dict = {
    "expire-licences": {"task": "licensing.expire_licences", "schedule": 300.0},
    "outbox-sweep": {"task": "kernel.outbox_sweep", "schedule": float(OUTBOX_SWEEP_SECONDS)},
    "requeue-stuck-checks": {"task": "compliance.requeue_stuck_checks", "schedule": 60.0},
    "retire-expired-rule-sets": {"task": "transfer_rules.retire_expired", "schedule": 3600.0},
    "clean-up-uploads": {"task": "kernel.storage_cleanup", "schedule": 3600.0},
    "requeue-stuck-datasets": {"task": "catalogue.requeue_stuck_datasets", "schedule": 60.0},
    "release-stale-privacy-reservations": {
        "task": "licensing.release_stale_privacy_reservations",
        "schedule": 60.0,
    },
}
HEALTH_BROKER_TIMEOUT = env.float("HEALTH_BROKER_TIMEOUT", default=2.0)

# --- Exchange policy knobs ----------------------------------------------------------------
SAMPLE_MAX_ROWS = env.int("SAMPLE_MAX_ROWS", default=200)
SAMPLE_MAX_BYTES = env.int("SAMPLE_MAX_BYTES", default=1024 * 1024)
DATASET_MAX_BYTES = env.int("DATASET_MAX_BYTES", default=200 * 1024 * 1024)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Indicative reference rates used only to sort and bucket prices across currencies.
FX_REFERENCE_RATES_TO_USD = env.json(
    "FX_REFERENCE_RATES_TO_USD", default={"USD": 1, "CNY": 0.14, "MYR": 0.22, "SGD": 0.75}
)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="exchange-demo-2026")  # noqa: S105

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

API_TOKEN_DEFAULT_TTL = timedelta(days=env.int("API_TOKEN_DEFAULT_DAYS", default=90))
