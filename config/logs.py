"""Structured logs: one JSON object a line, for a log collector to index (LOG_FORMAT=json).

The formatter knows two kinds of record besides plain ones: Django's request errors, which
carry the request and its status, and gunicorn's access lines, whose fields it writes one by
one instead of as a sentence. Secrets in addresses (invitation and password-reset tokens) are
replaced before a path is written.
"""

import datetime
import json
import logging
import re

# The parts of an address that carry a one-time secret: organisations' invitation links and
# Django's password-reset links.
SECRET_PATHS = (
    (re.compile(r"(/invitations/)[^/]+"), r"\1…"),
    (re.compile(r"(/reset/)[^/]+/[^/]+"), r"\1…/…"),
)


def redact(path: str) -> str:
    for pattern, replacement in SECRET_PATHS:
        path = pattern.sub(replacement, path)
    return path


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry |= _access_fields(record.args)
        else:
            entry["message"] = redact(record.getMessage())
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"], entry["path"] = request.method, redact(request.path)
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _access_fields(atoms: dict) -> dict:
    """gunicorn's access-log atoms: method, path (no query string), status, time, size."""
    return {
        "method": atoms.get("m"),
        "path": redact(atoms.get("U") or ""),
        "status": _number(atoms.get("s")),
        "duration_ms": round(_number(atoms.get("D")) / 1000, 1),
        "bytes": _number(atoms.get("B")),
        "remote": atoms.get("h"),
        "user_agent": atoms.get("a"),
    }


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
