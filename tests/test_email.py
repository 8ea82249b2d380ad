"""The SMTP backend tells "may have been delivered" from other failures, against a real server."""

import os
import smtplib
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.mail import EmailMessage

from config.email import MaybeDelivered, SmtpBackend
from tests.partnerships.smtp_sink import SmtpSink


@pytest.fixture
def sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def send(sink) -> int:
    backend = SmtpBackend(host="127.0.0.1", port=sink.port, timeout=1)
    message = EmailMessage("Hello", "Body", "from@example.org", ["to@example.org"])
    return backend.send_messages([message])


def test_it_sends(sink):
    assert send(sink) == 1
    assert len(sink.received) == 1


def test_no_answer_after_the_whole_message_may_have_been_delivered(sink):
    sink.late_times, sink.late_seconds = 1, 2  # kept, then answered after the client gave up
    with pytest.raises(MaybeDelivered, match="No answer after the whole message was sent"):
        send(sink)
    assert len(sink.received) == 1  # the server has it


def test_no_answer_before_the_message_went_is_an_ordinary_disconnection(sink):
    sink.rcpt_delay = 2
    with pytest.raises(smtplib.SMTPServerDisconnected) as raised:
        send(sink)
    assert not isinstance(raised.value, MaybeDelivered)
    assert not sink.received


def test_a_refusal_of_the_message_is_an_ordinary_refusal(sink):
    sink.try_later_times = 1
    with pytest.raises(smtplib.SMTPDataError):
        send(sink)


def test_the_settings_use_it_for_djangos_smtp_backend():
    """Deployments that name Django's SMTP backend get this one, which raises the same
    exceptions and one more precise kind of SMTPServerDisconnected."""
    output = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert output.stdout.strip() == "config.email.SmtpBackend"
    assert issubclass(MaybeDelivered, smtplib.SMTPServerDisconnected)
