"""Settings read from the environment (config/settings.py), in a fresh process each, as the
app starts in production."""

import os
import subprocess
import sys

from django.conf import settings

SEND_ONE_EMAIL = """
import django
django.setup()
from django.core.mail import send_mail
send_mail("Subject", "Body", "from@example.org", ["to@example.org"])
"""


def _run(code: str, **env) -> subprocess.CompletedProcess:
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("EMAIL_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": "sqlite:///:memory:",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_file_email_backend_writes_to_email_file_path(tmp_path):
    outbox = tmp_path / "emails"
    result = _run(
        SEND_ONE_EMAIL,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(outbox),
    )
    assert result.returncode == 0, result.stderr
    [written] = outbox.iterdir()
    assert "Subject: Subject" in written.read_text()


def test_the_file_email_backend_without_a_path_stops_start_up():
    result = _run(SEND_ONE_EMAIL, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
    assert result.returncode != 0
    assert "Set EMAIL_FILE_PATH" in result.stderr
