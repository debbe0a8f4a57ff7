"""Django settings, all read from the environment with working defaults."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from aeweb.secret_key import secret_key_get
from apps.core.queues import JOBS_REAP_TASK, JOBS_RESEND_TASK, QUEUE_HOUSEKEEPING

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AEWEB_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def redis_url_with_db(url: str, *, offset: int) -> str:
    """`url` with its database number moved by `offset` (within Redis's 0..15)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{(db + offset) % 16}"))


DEBUG = env_bool("DJANGO_DEBUG", False)
# DJANGO_SECRET_KEY, else a random key made once into var/secret_key (mode 0600) and reused.
SECRET_KEY = secret_key_get(VAR_DIR)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "apps.core",
    "apps.recommender",
    "apps.gallery",
    "apps.denoise",
    "apps.representations",
    "apps.anomaly",
    "apps.inpaint",
    "apps.segment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Refuses oversized bodies from Content-Length before anything (CSRF's form check included) reads them.
    "apps.core.middleware.BodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.NotFoundPageMiddleware",  # a page's missing job or result: the 404 page
]

ROOT_URLCONF = "aeweb.urls"
WSGI_APPLICATION = "aeweb.wsgi.application"
ASGI_APPLICATION = "aeweb.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'aeweb.sqlite3'}", conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat share one SQLite file: wait for locks instead of failing at once.
    # WAL lets readers work while the worker writes; IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file the test's Celery workers can share (they get its path), one per test run so that two
    # runs on one machine do not write into each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("AEWEB_MEDIA_DIR", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LOGIN_URL = "/admin/login/"
CSRF_FAILURE_VIEW = "apps.core.api_errors.csrf_failure"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JsonParser"],  # DRF's, with a nesting limit
    "EXCEPTION_HANDLER": "apps.core.api_errors.api_exception_handler",
    # Counted in the shared cache (apps.core.throttling), so every web process sees one count.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.AnonThrottle",
        "apps.core.throttling.UserThrottle",
    ],
    # Proxies in front of the web processes whose X-Forwarded-For is believed (DRF's NUM_PROXIES).
    # 0: the client is REMOTE_ADDR, whatever X-Forwarded-For it sends. DRF's default (None) would
    # trust any X-Forwarded-For, so one header per request would dodge every per-client limit.
    "NUM_PROXIES": env_int("AEWEB_NUM_PROXIES", 0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("AEWEB_THROTTLE_ANON", "600/min"),
        "user": os.environ.get("AEWEB_THROTTLE_USER", "3000/min"),
        # POST /api/auth/token/: each attempt costs a deliberately slow password hash.
        "login": os.environ.get("AEWEB_THROTTLE_LOGIN", "5/min"),  # per client address
        "login-username": os.environ.get("AEWEB_THROTTLE_LOGIN_USERNAME", "20/hour"),  # per username
        "uploads": os.environ.get("AEWEB_THROTTLE_UPLOADS", "30/min"),
        "gallery": os.environ.get("AEWEB_THROTTLE_GALLERY", "120/min"),  # generation jobs per client
        # the 28×28 denoising demo's jobs per client: the gallery's rate unless set apart
        "denoise-demo": os.environ.get(
            "AEWEB_THROTTLE_DENOISE_DEMO", os.environ.get("AEWEB_THROTTLE_GALLERY", "120/min")
        ),
        # decoding a point and encoding an image in the web process (NumPy), per client
        "representations": os.environ.get("AEWEB_THROTTLE_REPRESENTATIONS", "600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "aeweb API",
    "DESCRIPTION": "Autoencoders at work: recommendations, generation, denoising, representations, "
    "anomaly detection, inpainting and segmentation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.docs.schema_open_operations_unlock",  # no lock icon on open endpoints
    ],
    # One name per choice set that several serializers share (else drf-spectacular makes up hashed names).
    "ENUM_NAME_OVERRIDES": {
        "JobStateStatusEnum": ["queued", "running", "succeeded", "failed", "cancelled"],
        "AnomalyImageModelEnum": "apps.anomaly.ml.config.IMAGE_MODELS",
        "InpaintSampleEnum": "apps.inpaint.samples.SAMPLE_NAMES",
        "DatasetEnum": ["fashion-mnist", "mnist"],  # the 28×28 image data sets (gallery, denoise demo, anomaly)
        "SegmentDatasetEnum": "apps.segment.ml.config.SEGMENT_DATASETS",
    },
}


# --- Celery -----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None  # job state lives in the Job table, not in Celery results
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = QUEUE_HOUSEKEEPING
# A job whose pool process dies mid-run (killed, out of memory) has its message put back rather than
# acknowledged; the redelivery finds the job running and does nothing (the reaper fails it, a retry
# runs it again), so nothing runs twice at once and nothing is silently dropped.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
AEWEB_JOB_TIME_LIMIT = env_int("AEWEB_JOB_TIME_LIMIT", 6 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = AEWEB_JOB_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = AEWEB_JOB_TIME_LIMIT + 120
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Above the longest time limit, so a long job is never delivered twice while it runs.
    "visibility_timeout": AEWEB_JOB_TIME_LIMIT + 3600,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat stamps a heartbeat key on every tick (apps.core.heartbeats), read by /api/health/.
CELERY_BEAT_SCHEDULER = "apps.core.heartbeats:HeartbeatScheduler"
_HOUSEKEEPING = {"queue": QUEUE_HOUSEKEEPING, "expires": 120}  # a tick nobody ran in time is skipped
CELERY_BEAT_SCHEDULE = {
    "jobs-reap-stale": {"task": JOBS_REAP_TASK, "schedule": 30.0, "options": _HOUSEKEEPING},
    "jobs-resend-lost": {"task": JOBS_RESEND_TASK, "schedule": 30.0, "options": _HOUSEKEEPING},
    "denoise-purge-expired": {
        "task": "apps.denoise.tasks.denoise_purge",
        "schedule": 600.0,
        "options": {**_HOUSEKEEPING, "expires": 600},
    },
    "anomaly-purge-expired": {
        "task": "apps.anomaly.tasks.anomaly_purge",
        "schedule": 600.0,
        "options": {**_HOUSEKEEPING, "expires": 600},
    },
    "inpaint-purge-expired": {
        "task": "apps.inpaint.tasks.inpaint_purge",
        "schedule": 600.0,
        "options": {**_HOUSEKEEPING, "expires": 600},
    },
    "segment-purge-expired": {
        "task": "apps.segment.tasks.segment_purge",
        "schedule": 600.0,
        "options": {**_HOUSEKEEPING, "expires": 600},
    },
}

# --- aeweb --------------------------------------------------------------------------------
AEWEB_DATA_DIR = os.environ.get("AEWEB_DATA_DIR", "")
AEWEB_CACHE_DIR = Path(os.environ.get("AEWEB_CACHE_DIR", VAR_DIR / "data"))
AEWEB_ARTIFACT_DIR = Path(os.environ.get("AEWEB_ARTIFACT_DIR", VAR_DIR / "artifacts"))
AEWEB_DEVICE = os.environ.get("AEWEB_DEVICE", "auto")
AEWEB_TORCH_THREADS = env_int("AEWEB_TORCH_THREADS", 0)  # 0: torch's own default
AEWEB_HEARTBEAT_SECONDS = float(os.environ.get("AEWEB_HEARTBEAT_SECONDS", "5"))
# A running job whose heartbeat is older than this is marked failed (its worker died).
AEWEB_HEARTBEAT_TIMEOUT = float(os.environ.get("AEWEB_HEARTBEAT_TIMEOUT", "60"))
# A queued job no worker picked up within this time is marked failed (its message was lost).
AEWEB_QUEUED_TIMEOUT = float(os.environ.get("AEWEB_QUEUED_TIMEOUT", str(7 * 24 * 3600)))
AEWEB_JOB_MAX_ATTEMPTS = env_int("AEWEB_JOB_MAX_ATTEMPTS", 3)
# A job queued in the database for longer than this whose message is not waiting in the broker is
# sent again (the sweeper, from beat and at worker start); a queued job this old can be retried.
AEWEB_QUEUED_RESEND_SECONDS = float(os.environ.get("AEWEB_QUEUED_RESEND_SECONDS", "60"))
# Health: workers and beat write heartbeats to Redis this often; one older than the stale time
# does not count; /api/health/ answers from a per-process cache of this many seconds and is 503
# while a required queue has no worker (AEWEB_HEALTH_REQUIRED_QUEUES, comma-separated).
AEWEB_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("AEWEB_WORKER_HEARTBEAT_SECONDS", "5"))
AEWEB_HEALTH_STALE_SECONDS = float(os.environ.get("AEWEB_HEALTH_STALE_SECONDS", "20"))
AEWEB_HEALTH_CACHE_SECONDS = float(os.environ.get("AEWEB_HEALTH_CACHE_SECONDS", "3"))
AEWEB_HEALTH_REQUIRED_QUEUES = [
    q.strip() for q in os.environ.get("AEWEB_HEALTH_REQUIRED_QUEUES", "interactive").split(",") if q.strip()
]
AEWEB_THROTTLE_HEALTH = os.environ.get("AEWEB_THROTTLE_HEALTH", "120/min")  # per client and web process
# Denoising uploads: limits checked before anything is stored, and how long files are kept.
AEWEB_UPLOAD_MAX_BYTES = env_int("AEWEB_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
AEWEB_UPLOAD_MAX_PIXELS = env_int("AEWEB_UPLOAD_MAX_PIXELS", 16_000_000)
AEWEB_DENOISE_RETENTION_HOURS = float(os.environ.get("AEWEB_DENOISE_RETENTION_HOURS", "24"))
# Tables and series brought to the anomaly page: their size limit and how long they (and their scores) are kept.
AEWEB_ANOMALY_MAX_BYTES = env_int("AEWEB_ANOMALY_MAX_BYTES", 10 * 1024 * 1024)
AEWEB_ANOMALY_RETENTION_HOURS = float(os.environ.get("AEWEB_ANOMALY_RETENTION_HOURS", "24"))
# Inpainting and segmentation take uploads like the denoise page (same byte and pixel limits); kept this long:
AEWEB_INPAINT_RETENTION_HOURS = float(os.environ.get("AEWEB_INPAINT_RETENTION_HOURS", "24"))
AEWEB_SEGMENT_RETENTION_HOURS = float(os.environ.get("AEWEB_SEGMENT_RETENTION_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- security -------------------------------------------------------------------------------
# The shared cache holds the rate-limit counters of every web process. By default a database of
# its own on REDIS_URL's server (the broker's number + 1): a cache.clear() flushes only that one.
AEWEB_CACHE_URL = os.environ.get("AEWEB_CACHE_URL") or redis_url_with_db(REDIS_URL, offset=1)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": AEWEB_CACHE_URL,
        "KEY_PREFIX": "aeweb",
        # A cache that does not answer must not hold requests up: short timeouts, then the rate
        # limits count per process (apps.core.rate_limits) until it is back.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
AEWEB_THROTTLE_CACHE = "default"
AEWEB_THROTTLE_KEY_PREFIX = os.environ.get("AEWEB_THROTTLE_KEY_PREFIX", "rl")
AEWEB_THROTTLE_CACHE_RETRY_SECONDS = float(os.environ.get("AEWEB_THROTTLE_CACHE_RETRY_SECONDS", "10"))
# Megapixels of photo denoising per client per hour, counted across web processes: a 16-megapixel
# photo takes minutes of a CPU worker. An image larger than the whole budget is refused (400).
AEWEB_PIXEL_BUDGET_MEGAPIXELS = float(os.environ.get("AEWEB_PIXEL_BUDGET_MEGAPIXELS", "40"))

# Request bodies, refused from Content-Length before they are read (apps.core.middleware):
# a view's own `body_max_bytes` (the denoise upload: AEWEB_UPLOAD_MAX_BYTES plus the multipart
# envelope), else these.
AEWEB_UPLOAD_OVERHEAD_BYTES = env_int("AEWEB_UPLOAD_OVERHEAD_BYTES", 64 * 1024)
AEWEB_API_BODY_MAX_BYTES = env_int("AEWEB_API_BODY_MAX_BYTES", 1024 * 1024)  # JSON under /api/
AEWEB_BODY_MAX_BYTES = env_int("AEWEB_BODY_MAX_BYTES", 3 * 1024 * 1024)  # forms elsewhere (the admin)

# Content-Security-Policy (django-csp): scripts and styles from this site only, no inline script
# without the request's nonce, no plugins, no framing. Swagger UI (/api/docs/) gets inline styles
# and data: images on top (apps.core.docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Over HTTPS (the production settings, aeweb/settings_production.py, turn these on).
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
