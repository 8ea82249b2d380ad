"""gunicorn's settings for the web process: `gunicorn --config config/gunicorn.py config.wsgi`.

Each setting can be changed from the environment; docs/deploy.md says when to.
"""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # nosec B104
# Synchronous workers: the pages are quick and database-bound. Two per core and one more is
# gunicorn's rule of thumb; each holds one database connection (CONN_MAX_AGE keeps it open).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# A PDF of a large report takes a few seconds; anything past this is stuck.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle a worker now and then, so a slow leak never grows into an outage.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The load balancer in front may forward; only it is trusted to say the client's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's own lines (start-up, worker deaths) and one line per request, as JSON through
# the app's formatter unless LOG_FORMAT=text.
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG", "true").lower() == "true" else None
_format = os.environ.get("LOG_FORMAT", "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _format if _format in ("json", "text") else "json",
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def post_worker_init(worker):
    # What the worker loaded to serve (Django, the app, their modules) lives as long as it
    # does: frozen, the collector no longer walks those objects in every full collection,
    # which otherwise took tens of milliseconds out of whichever request set one off.
    gc.freeze()
