"""Settings for Partnership Health, all read from the environment.

The defaults run the demo on a fresh clone (`make run`); production sets DEBUG=false,
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL. The README lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, *, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, *, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY, or DEBUG=true for local development.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_forms_gds",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "organisations",
    "principles",
    "partnerships",
    "rest_framework",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A posted form Django cannot read (not UTF-8, too many fields) is a 400 that says why.
    "config.middleware.FormBodyMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "organisations.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.SessionPolicyMiddleware",
    "organisations.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Secure by default: production needs only DEBUG=false, SECRET_KEY and ALLOWED_HOSTS.
# Behind a proxy that ends TLS, set TRUST_X_FORWARDED_PROTO=true so Django sees https.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        # No "loaders": Django then wraps them in the cached loader, so each template is
        # read and compiled once per process (tests/test_production.py checks it).
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisations.context_processors.navigation",
            ],
        },
    },
]

# SQLite keeps the two-command demo free of setup; tests and production use PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", default=0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No page is kept between requests: pages are made cheap instead. Django's default cache, in
# each process's memory, serves only what libraries keep for themselves. The "frames" cache
# keeps each signed-in person and their memberships until either changes
# (organisations/frame.py); every web process must see the same one, so in production it is
# Redis (CACHE_URL, a database of its own, e.g. redis://127.0.0.1:6379/1). Without CACHE_URL
# it is one process's memory, right only for one process (the demo's runserver, the tests):
# so FRAME_CACHE is then off unless DEBUG is on or it is set.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    "frames": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "frames",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    ),
}
# The read API's per-token request counts: shared by every web process where CACHE_URL is
# set (Redis), else one process's memory, as the frames are.
CACHES["api"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
) | {"KEY_PREFIX": "api"}
FRAME_CACHE = env_bool("FRAME_CACHE", default=bool(CACHE_URL) or DEBUG)
# Sessions are written to the database and, where that cache is shared, read from it: a
# sign-out deletes both (organisations.services.sessions_end_for for every session of a
# person), so no process can find a session that has ended.
if FRAME_CACHE:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "frames"

AUTH_USER_MODEL = "organisations.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "organisations.backends.LockoutBackend",  # axes: refuses a locked email address first
    # Django's ModelBackend, with each signed-in request's person read through their frame.
    "organisations.backends.FrameBackend",
]

# Sessions end after SESSION_IDLE_SECONDS without a request and SESSION_MAX_SECONDS after
# sign-in, whichever comes first (config.middleware.SessionPolicyMiddleware).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_MAX_SECONDS = env_int("SESSION_MAX_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS

# Five failed sign-ins for one email address within 15 minutes lock it for 15 minutes,
# whether or not an account has that address, so the lock reveals nothing.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "organisations.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "organisations.views.account.locked_out"
AXES_RESET_ON_SUCCESS = True
# Tries during the lock are refused without counting, so it ends 15 minutes after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Axes warns unless the IP address counts too. Colleagues share an office's address, so a
# lock by address would shut out a whole team; the per-address lock is what the issue asks.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Two-factor authentication: the name authenticator apps show beside the code.
OTP_TOTP_ISSUER = "Partnership Health"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# static/build is made by `make assets` from GOV.UK Frontend (npm) and static/src.
STATICFILES_DIRS = [BASE_DIR / "static" / "build"]
# Out of debug, whitenoise serves what collectstatic wrote: each file's name carries a hash
# of its content and a compressed copy sits beside it, so browsers may keep it for a year
# (whitenoise.storage.CompressedManifestStaticFilesStorage, in config/storage.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "config.storage.StaticFilesStorage"  # whitenoise's, for ES modules too
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Django's SMTP backend, which also says when an email may have been delivered although no
# answer came (config/email.py): the reminders then hold it rather than send it twice.
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    EMAIL_BACKEND = "config.email.SmtpBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Partnership Health <noreply@localhost>")
# Where django.core.mail.backends.filebased.EmailBackend writes each email, one file apiece.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or None
if EMAIL_BACKEND.endswith(".filebased.EmailBackend") and not EMAIL_FILE_PATH:
    raise ImproperlyConfigured("Set EMAIL_FILE_PATH to a folder for the file email backend.")

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Celery: with no broker configured (the demo) tasks run in the calling process; the worker
# and beat then still need an address, so they use the local Redis.
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL", "")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or "redis://127.0.0.1:6379/0"
CELERY_TIMEZONE = TIME_ZONE

# Red/amber/green thresholds on the 1–5 scale (docs/scoring.md, "The display rule").
RAG_GREEN_FROM = 4.0
RAG_AMBER_FROM = 3.0

# Candour (docs/permissions.md, "Who sees whose answers"). A review may be confidential by
# side only when every side taking part has at least this many organisations, and at close a
# side with fewer submitted is withheld, with every figure it could be worked out from.
MIN_ORGANISATIONS_PER_SHOWN_SIDE = env_int("MIN_ORGANISATIONS_PER_SHOWN_SIDE", default=3)
# Days a partner's reply to published results can still be changed after it is added.
REPLY_WINDOW_DAYS = env_int("REPLY_WINDOW_DAYS", default=14)

# Reports and exports (README, "Reports and exports"). Background workbooks wait under
# MEDIA_ROOT/exports for the person who asked; the app serves them to that person only.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# A workbook of at least this many statement ratings is built by the Celery worker, and the
# requester is emailed a link, rather than built during the request.
EXPORT_BACKGROUND_FROM_ROWS = env_int("EXPORT_BACKGROUND_FROM_ROWS", default=50_000)

# json: one object a line for a log collector (config/logs.py); text: for people.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Reminders and the Celery worker (README, "Reminders").
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# One message at a time per process: with late acknowledgement a killed worker holds back
# no more than it was working on.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker connection drops, a reminder being sent finishes and is marked sent rather
# than being cancelled halfway and sent again.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A task still running after this many seconds is killed; a reminder left "sending" longer
# than this is taken up again by the first sweep after that. Keep EMAIL_TIMEOUT well below it.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", default=300)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=30)
REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", default=15 * 60)
# A reminder still pending this long after it was created or last tried is queued again.
REMINDER_STALE_SECONDS = env_int("REMINDER_STALE_SECONDS", default=15 * 60)
# After this many tries a reminder that keeps meeting temporary errors is marked failed.
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", default=20)
# Working days (weekends and bank holidays skipped) the lead commissioner has to acknowledge
# a concern and to answer it, counted from the day it is raised.
CONCERN_ACKNOWLEDGE_DAYS = env_int("CONCERN_ACKNOWLEDGE_DAYS", default=5)
CONCERN_RESPOND_DAYS = env_int("CONCERN_RESPOND_DAYS", default=20)
CELERY_BEAT_SCHEDULE = {
    "sweep-reminders": {
        "task": "partnerships.tasks.sweep_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
        # A tick that waits longer than one interval is superseded by the next.
        "options": {"expires": REMINDER_SWEEP_SECONDS},
    },
}
# The sweep has a queue of its own, read by the `sweeper` process of the Procfile, so a
# backlog of sends (an SMTP outage) never holds it back until it expires. Workers started
# without --queues read both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("celery", "sweeps")]
CELERY_TASK_ROUTES = {"partnerships.tasks.sweep_reminders": {"queue": "sweeps"}}

# The read API (api/): JSON only, read only, personal tokens only (no session, so no CSRF).
API_RATE = env_str("API_RATE", "120/min")  # requests per token; DRF's "N/sec|min|hour|day"
API_THROTTLE_CACHE = "api"
# A request that lists more rows than this is an export, recorded in the audit trail.
API_EXPORT_ROWS = env_int("API_EXPORT_ROWS", default=250)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.access.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.access.BelongsToAnOrganisation"],
    "DEFAULT_THROTTLE_CLASSES": ["api.access.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS describes nothing: the OpenAPI document does
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.access.throttled_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,  # numbers in JSON, as BI tools read them
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partnership Health read API",
    "DESCRIPTION": (
        "Read-only access to the partnerships, reviews, results, actions and reports that "
        "your pages show you, with a personal token made on your profile page."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"RagEnum": "partnerships.models.RAG"},
}
