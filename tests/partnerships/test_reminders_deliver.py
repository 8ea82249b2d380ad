"""Delivering one reminder: claim, send over real SMTP, record the outcome."""

import datetime
import smtplib
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from partnerships.models import Action, Participant, Partnership, Reminder, Review
from partnerships.services import reminders
from tests.conftest import submit
from tests.partnerships.smtp_sink import SmtpSink, free_port

Kind = Reminder.Kind


@pytest.fixture
def sink(settings):
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "config.email.SmtpBackend"
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
    assert reminders.deliver(reminder_id=reminder.pk) == "already sent"
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
    assert reminders.deliver(reminder_id=reminder.pk) == "being sent by another worker"
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
    assert reminders.deliver(reminder_id=999_999) == "missing"


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
    settings.EMAIL_BACKEND = "config.email.SmtpBackend"
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


# --- No answer once the server has the whole email: it may have arrived -----------------


def test_no_answer_once_the_server_has_the_email_holds_it_as_uncertain(sink, reminder, settings):
    """The server keeps the email but answers after EMAIL_TIMEOUT: sending it again could
    deliver it twice, so it waits for a person instead of a retry."""
    settings.EMAIL_TIMEOUT = 1
    sink.late_times, sink.late_seconds = 1, 2
    assert reminders.deliver(reminder_id=reminder.pk) == "uncertain"  # nothing raised: no retry
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.UNCERTAIN and reminder.attempts == 1
    assert "No answer after the whole message was sent" in reminder.last_error
    # Neither a redelivered task nor a later sweep sends it again.
    assert reminders.deliver(reminder_id=reminder.pk) == "already uncertain"
    later = timezone.now() + datetime.timedelta(days=1)
    assert not reminders._stale(later).exists()
    assert len(sink.received) == 1


def test_no_answer_before_the_email_went_is_tried_again(sink, reminder, settings):
    settings.EMAIL_TIMEOUT = 1
    sink.rcpt_delay = 2
    with pytest.raises(smtplib.SMTPServerDisconnected):
        reminders.deliver(reminder_id=reminder.pk)
    assert _state(reminder) == Reminder.State.PENDING
    assert not sink.received


# --- Log lines an operator can count ----------------------------------------------------


def _lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == reminders.logger.name]


def test_each_delivery_says_what_happened(sink, reminder, caplog):
    caplog.set_level("INFO", logger=reminders.logger.name)
    reminders.deliver(reminder_id=reminder.pk)
    reminders.deliver(reminder_id=reminder.pk)
    reminders.deliver(reminder_id=999_999)
    assert _lines(caplog) == [
        f"Reminder {reminder.pk} sent",
        f"Reminder {reminder.pk} already sent",
        "Reminder 999999 missing",
    ]


def test_a_failure_is_logged_with_its_reason(sink, reminder, caplog):
    sink.try_later_times = 1
    sink.refused["carol@northvalley.example"] = "550 5.1.1 No such mailbox"
    caplog.set_level("INFO", logger=reminders.logger.name)
    reminders.deliver(reminder_id=reminder.pk)
    assert _lines(caplog) == [
        f"Reminder {reminder.pk} failed: 550 5.1.1 No such mailbox (carol@northvalley.example)"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_reminder_another_worker_has_locked_is_said_to_be_locked(sink, reminder, caplog):
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Reminder.objects.select_for_update().get(pk=reminder.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        caplog.set_level("INFO", logger=reminders.logger.name)
        assert reminders.deliver(reminder_id=reminder.pk) == "locked by another worker"
    finally:
        release.set()
        thread.join(10)
    assert _lines(caplog) == [f"Reminder {reminder.pk} locked by another worker"]
    assert not sink.received and _state(reminder) == Reminder.State.PENDING


def test_the_task_returns_the_words_the_worker_logs(sink, reminder):
    from partnerships.tasks import send_reminder

    assert send_reminder.run(reminder.pk) == "sent"
    assert send_reminder.run(reminder.pk) == "already sent"


# --- An old error does not outlive the send ---------------------------------------------


def test_a_reminder_sent_after_an_error_keeps_no_old_error(sink, reminder):
    sink.try_later_times = 1
    with pytest.raises(smtplib.SMTPDataError):
        reminders.deliver(reminder_id=reminder.pk)
    assert reminders.deliver(reminder_id=reminder.pk) == "sent"
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.attempts == 2
    assert reminder.last_error == ""


# --- A reminder whose reason has gone is cancelled, not sent ----------------------------


def _submit(request):
    submit(request.getfixturevalue("charity_assessment"))


def _close_review(request):
    Review.objects.filter(pk=request.getfixturevalue("open_review").pk).update(
        state=Review.State.CLOSED, closed_on=datetime.date(2026, 12, 1), overall_rag="amber"
    )


def _charity_leaves(request):
    Participant.objects.filter(organisation=request.getfixturevalue("charity")).update(
        left_on=datetime.date(2026, 11, 25)
    )


def _action_set(**fields):
    return lambda request: Action.objects.filter(pk=request.getfixturevalue("action").pk).update(
        **fields
    )


def _review_due_moves(request):
    Partnership.objects.filter(pk=request.getfixturevalue("partnership").pk).update(
        next_review_due=datetime.date(2027, 6, 30)
    )


ASSESSMENT = ("charity_assessment", "alice", Kind.ASSESSMENT_OVERDUE, "2026-11-30:overdue-1")
ACTION = ("action", "alice", Kind.ACTION_DUE, "2027-01-31:3d")
REVIEW_DUE = ("partnership", "carol", Kind.REVIEW_DUE, "2027-03-31:7d")


def _make(request, target, person, kind, period_key):
    target = request.getfixturevalue(target)
    fields = {"partnership": getattr(target, "partnership", target)}
    if kind in (Kind.ASSESSMENT_OVERDUE, Kind.ASSESSMENT_DUE, Kind.REVIEW_OPENED):
        fields.update(assessment=target, partnership=target.review.partnership)
    elif kind in (Kind.ACTION_DUE, Kind.ACTION_OVERDUE):
        fields["action"] = target
    elif kind == Kind.RESULTS_PUBLISHED:
        fields["review"] = target
    return Reminder.objects.create(
        kind=kind, recipient=request.getfixturevalue(person), period_key=period_key, **fields
    )


@pytest.mark.parametrize(
    ("reminder_of", "change", "reason"),
    [
        (ASSESSMENT, _submit, "the self-assessment has been submitted"),
        (ASSESSMENT, _close_review, "the review has been closed"),
        (ASSESSMENT, _charity_leaves, "the organisation has left the partnership"),
        (
            ("charity_assessment", "alice", Kind.REVIEW_OPENED, "opened"),
            _submit,
            "the self-assessment has been submitted",
        ),
        (ACTION, _action_set(status=Action.Status.DONE), "the action has been marked done"),
        (ACTION, _action_set(status=Action.Status.DROPPED), "the action has been marked dropped"),
        (
            ACTION,
            _action_set(due_on=datetime.date(2027, 2, 28)),
            "the action's due date has changed",
        ),
        (ACTION, _action_set(owner=None), ""),  # its organisation's editors: Alice still is
        (
            REVIEW_DUE,
            lambda request: request.getfixturevalue("open_review"),
            "a review has been opened",
        ),
        (REVIEW_DUE, _review_due_moves, "the review's due date has changed"),
    ],
)
def test_a_reminder_whose_reason_has_gone_is_cancelled(
    db, sink, request, reminder_of, change, reason
):
    reminder = _make(request, *reminder_of)
    change(request)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC), tick=False):
        outcome = reminders.deliver(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    if reason:
        assert outcome == "cancelled" and reminder.state == Reminder.State.CANCELLED
        assert reminder.cancelled_because == reason
        assert not sink.received
    else:
        assert outcome == "sent" and reminder.cancelled_because == ""


@pytest.mark.parametrize(
    "reminder_of",
    [
        ASSESSMENT,
        ("charity_assessment", "alice", Kind.ASSESSMENT_DUE, "2026-11-30:1d"),
        ("charity_assessment", "alice", Kind.REVIEW_OPENED, "opened"),
        ("charity_assessment", "carol", Kind.ASSESSMENT_OVERDUE, "2026-11-30:overdue-2"),
        ACTION,
        ("action", "alice", Kind.ACTION_OVERDUE, "2027-01-31:overdue-1"),
        REVIEW_DUE,
        ("closed_review", "bob", Kind.RESULTS_PUBLISHED, "published"),
    ],
)
def test_a_reminder_that_still_applies_is_sent(db, sink, request, reminder_of):
    reminder = _make(request, *reminder_of)
    assert reminders.deliver(reminder_id=reminder.pk) == "sent"
    assert len(sink.received) == 1


def test_a_reminder_retried_after_an_outage_is_cancelled_when_its_reason_has_gone(
    sink, request, charity_assessment, caplog
):
    reminder = _make(request, *ASSESSMENT)
    sink.try_later_times = 1
    with pytest.raises(smtplib.SMTPDataError):
        reminders.deliver(reminder_id=reminder.pk)
    submit(charity_assessment)  # while the retry waits
    caplog.clear()
    assert reminders.deliver(reminder_id=reminder.pk) == "cancelled"
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.CANCELLED and reminder.attempts == 1
    assert reminder.cancelled_because == "the self-assessment has been submitted"
    assert not sink.received
    assert _lines(caplog) == [
        f"Reminder {reminder.pk} cancelled: the self-assessment has been submitted"
    ]


def test_a_person_who_can_no_longer_sign_in_is_not_sent_to(sink, reminder, carol):
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert reminders.deliver(reminder_id=reminder.pk) == "cancelled"
    assert Reminder.objects.get(pk=reminder.pk).cancelled_because == (
        "the recipient can no longer sign in"
    )
