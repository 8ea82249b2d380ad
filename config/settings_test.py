"""Test settings: PostgreSQL, fast hashing, and mail kept in memory.

DATABASE_URL, when set, chooses another database: `make test` runs the tests of every figure
again with `sqlite:///:memory:`, the demo's kind of database (pytest-django tests SQLite in
memory, so nothing is written to disk).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partnership_health")
# The signed-in frames and sessions kept as in production with CACHE_URL: the tests run in one
# process, so its memory is the shared cache; tests/conftest.py empties it before each test.
os.environ.setdefault("FRAME_CACHE", "true")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# On, as in production: tests/organisations/test_lockout.py proves the lock.
AXES_ENABLED = True

# The test servers speak plain http on loopback; production keeps the secure defaults,
# which tests/test_security_headers.py checks with these switched back on.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False

# Tests serve static files from the finders (live_server does); whitenoise serves the
# collected files in production and only warns here that none are collected.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# So names stay as they are, without a manifest; tests/test_production.py collects and serves
# the files with production's manifest storage.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The reminder integration tests run real workers on these settings, with a broker and an
# SMTP server of their own (tests/partnerships/test_reminders_integration.py).
if os.environ.get("TEST_REAL_SERVICES") == "true":
    EMAIL_BACKEND = "config.email.SmtpBackend"
    CELERY_TASK_ALWAYS_EAGER = False
AXES_VERBOSE = False  # one log line per sign-in is noise in test output

# An N+1 query in any request raises (django-zeal), so a page that queries once per row fails
# its tests rather than slowing down at scale.
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]  # noqa: F405
MIDDLEWARE = ["zeal.middleware.zeal_middleware", *MIDDLEWARE]
ZEAL_RAISE = True
# A form's model pickers each look up their chosen value with one get(); two organisation
# pickers on one form (partner and ICB) are not a loop. Loops through relations are still
# reported, on the relation (e.g. partnerships.Participant.organisation).
ZEAL_ALLOWLIST = [{"model": "organisations.Organisation", "field": "get()"}]
