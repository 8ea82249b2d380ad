"""config/logs.py: one JSON object a line, with no secret from an address."""

import json
import logging
import sys

from django.test import RequestFactory

from config.logs import JsonFormatter


def _format(record) -> dict:
    return json.loads(JsonFormatter().format(record))


def _record(name="partnerships", message="Sent %s reminders", args=(3,), **extra):
    record = logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_it_writes_a_plain_record_as_json():
    entry = _format(_record())
    assert entry["level"] == "INFO" and entry["logger"] == "partnerships"
    assert entry["message"] == "Sent 3 reminders"
    assert entry["time"].endswith("+00:00")


def test_it_adds_the_request_and_status_of_a_request_error():
    request = RequestFactory().get("/organisations/invitations/secret-token-123/")
    entry = _format(
        _record(
            "django.request", "Not Found: %s", (request.path,), request=request, status_code=404
        )
    )
    assert entry["method"] == "GET" and entry["status"] == 404
    assert entry["path"] == "/organisations/invitations/…/"
    assert "secret-token-123" not in json.dumps(entry)


def test_it_writes_gunicorns_access_lines_field_by_field():
    atoms = {"m": "GET", "U": "/accounts/reset/MQ/abc-123/", "s": "200", "D": "12345"}
    atoms |= {"B": "512", "h": "10.0.0.1", "a": 'Agent "quoted"'}
    entry = _format(_record("gunicorn.access", "%(m)s %(U)s", atoms))
    assert entry["path"] == "/accounts/reset/…/…/"
    assert entry["status"] == 200 and entry["duration_ms"] == 12.3 and entry["bytes"] == 512
    assert entry["user_agent"] == 'Agent "quoted"'


def test_it_includes_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record(exc_info=sys.exc_info())
    assert "ValueError: boom" in _format(record)["exception"]
