"""Delivering one reminder: claim, send over real SMTP, record the outcome."""

import datetime
import smtplib

import pytest
from django.utils import timezone

from partnerships.models import Reminder
from partnerships.services import reminders
from tests.partnerships.smtp_sink import SmtpSink, free_port

Kind = Reminder.Kind


@pytest.fixture
def sink(settings):
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, 5
    yield sink
    sink.stop()


@pytest.fixture
def reminder(partnership, carol):
    return Reminder.objects.create(
        kind=Kind.REVIEW_DUE, partnership=partnership, recipient=carol, period_key="2027-03-31:7d"
    )


def _state(reminder):
    reminder.refresh_from_db()
    return reminder.state


def test_it_sends_and_marks_sent(sink, reminder):
    assert reminders.deliver(reminder_id=reminder.pk) == Reminder.State.SENT
    (received,) = sink.received
    assert received.to == ("carol@northvalley.example",)
    assert received.message_id == f"<reminder-{reminder.pk}@127.0.0.1>"
    assert received.message["Auto-Submitted"] == "auto-generated"
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT
    assert reminder.attempts == 1 and reminder.sent_at is not None


def test_it_does_not_send_twice(sink, reminder):
    reminders.deliver(reminder_id=reminder.pk)
    assert reminders.deliver(reminder_id=reminder.pk) == Reminder.State.SENT
    assert len(sink.received) == 1


@pytest.mark.parametrize("state", [Reminder.State.FAILED, Reminder.State.SENT])
def test_it_leaves_finished_reminders_alone(sink, reminder, state):
    Reminder.objects.filter(pk=reminder.pk).update(state=state)
    reminders.deliver(reminder_id=reminder.pk)
    assert not sink.received and _state(reminder) == state


def test_it_leaves_a_reminder_another_worker_is_sending(sink, reminder):
    Reminder.objects.filter(pk=reminder.pk).update(
        state=Reminder.State.SENDING, claimed_at=timezone.now()
    )
    assert reminders.deliver(reminder_id=reminder.pk) == Reminder.State.SENDING
    assert not sink.received


def test_it_takes_over_a_reminder_left_sending_past_the_time_limit(sink, reminder, settings):
    settings.CELERY_TASK_TIME_LIMIT = 300
    Reminder.objects.filter(pk=reminder.pk).update(
        state=Reminder.State.SENDING,
        claimed_at=timezone.now() - datetime.timedelta(seconds=301),
        attempts=1,
    )
    assert reminders.deliver(reminder_id=reminder.pk) == Reminder.State.SENT
    assert len(sink.received) == 1
    reminder.refresh_from_db()
    assert reminder.attempts == 2


def test_a_missing_reminder_is_nothing_to_do(sink, db):
    assert reminders.deliver(reminder_id=999_999) == "missing or locked"


def test_a_permanent_refusal_fails_it_with_the_reason(sink, reminder):
    sink.refused["carol@northvalley.example"] = "550 5.1.1 No such mailbox"
    assert reminders.deliver(reminder_id=reminder.pk) == Reminder.State.FAILED
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.FAILED
    assert reminder.last_error == "550 5.1.1 No such mailbox (carol@northvalley.example)"
    assert reminder.attempts == 1


def test_a_temporary_refusal_puts_it_back_and_raises_for_a_retry(sink, reminder):
    sink.try_later_times = 1
    with pytest.raises(smtplib.SMTPDataError):
        reminders.deliver(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.PENDING
    assert reminder.last_error == "451 4.3.0 Try again later"
    assert reminders.deliver(reminder_id=reminder.pk) == Reminder.State.SENT
    assert len(sink.received) == 1


def test_no_server_puts_it_back_and_raises_for_a_retry(reminder, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    with pytest.raises(ConnectionRefusedError):
        reminders.deliver(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.PENDING and reminder.attempts == 1
    assert reminder.last_error.startswith("ConnectionRefusedError")


def test_it_gives_up_after_the_last_attempt(sink, reminder, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    sink.try_later_times = 5
    with pytest.raises(smtplib.SMTPDataError):
        reminders.deliver(reminder_id=reminder.pk)
    assert reminders.deliver(reminder_id=reminder.pk) == Reminder.State.FAILED
    assert _state(reminder) == Reminder.State.FAILED


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"No such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.example": (450, b"Mailbox busy")}), False),
        (smtplib.SMTPDataError(554, b"Rejected as spam"), True),
        (smtplib.SMTPDataError(451, b"Try later"), False),
        (smtplib.SMTPSenderRefused(550, b"Not our sender", "noreply@x.example"), False),
        (smtplib.SMTPAuthenticationError(535, b"Bad login"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(), False),
    ],
)
def test_only_a_refusal_of_the_message_is_permanent(error, permanent):
    """Refusals of this message stop; trouble with the server or our login is retried."""
    assert reminders.is_permanent(error) is permanent


def test_the_task_retries_temporary_errors_only():
    from partnerships.tasks import send_reminder

    assert send_reminder.acks_late
    assert set(send_reminder.autoretry_for) == {smtplib.SMTPException, OSError}
    assert send_reminder.retry_backoff and send_reminder.max_retries == 8
