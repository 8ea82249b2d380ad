"""The sweep: which reminders are due, to whom, on which day; the clock is set for each."""

import datetime
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from organisations.models import Membership
from partnerships.models import Action, Assessment, Participant, Reminder, Review
from partnerships.services import reminders
from tests.conftest import make_user, submit

LONDON = zoneinfo.ZoneInfo("Europe/London")
Kind = Reminder.Kind


def on(year, month, day, hour=9):
    """The clock at 9am London time on a day (late in the evening works alike)."""
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=LONDON), tick=False)


def sweep_on(*day):
    with on(*day):
        return reminders.sweep()


def sent(kind=None, **filters):
    """{(recipient email, period key)} of the reminders of a kind."""
    rows = Reminder.objects.filter(**filters)
    if kind:
        rows = rows.filter(kind=kind)
    return {(r.recipient.email, r.period_key) for r in rows.select_related("recipient")}


CAROL = "carol@northvalley.example"
ALICE = "alice@riverside.example"


# --- Review coming due: 30 and 7 days before, to the lead commissioner ------------------
# The partnership's next review is due on 31 March 2027.


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ((2027, 2, 28), set()),  # 31 days before
        ((2027, 3, 1), {(CAROL, "2027-03-31:30d")}),  # 30 days before
        ((2027, 3, 23), {(CAROL, "2027-03-31:30d")}),  # 8 days before: still the first
        ((2027, 3, 24), {(CAROL, "2027-03-31:7d")}),  # 7 days before
        ((2027, 3, 30), {(CAROL, "2027-03-31:7d")}),  # due tomorrow
        ((2027, 3, 31), {(CAROL, "2027-03-31:7d")}),  # due today
        ((2027, 4, 1), set()),  # past: the dashboard shows it, email stops
    ],
)
def test_review_due_on_each_boundary(partnership, carol, alice, day, expected):
    sweep_on(*day)
    assert sent(Kind.REVIEW_DUE) == expected


def test_review_due_sends_each_of_its_two_reminders_once(partnership, carol):
    for day in [(2027, 3, 1), (2027, 3, 2), (2027, 3, 24), (2027, 3, 31), (2027, 3, 31, 23)]:
        sweep_on(*day)
    assert sent(Kind.REVIEW_DUE) == {(CAROL, "2027-03-31:30d"), (CAROL, "2027-03-31:7d")}


def test_review_due_stays_quiet_while_a_review_is_open(open_review, carol):
    sweep_on(2027, 3, 24)
    assert not Reminder.objects.filter(kind=Kind.REVIEW_DUE).exists()


def test_review_due_comes_again_for_the_next_date(partnership, closed_review, carol):
    """A closed review does not stop the reminder; a new due date is a new period."""
    sweep_on(2027, 3, 24)
    partnership.next_review_due = datetime.date(2028, 3, 31)
    partnership.save(update_fields=["next_review_due"])
    sweep_on(2028, 3, 24)
    assert sent(Kind.REVIEW_DUE) == {(CAROL, "2027-03-31:7d"), (CAROL, "2028-03-31:7d")}


def test_review_due_goes_to_the_lead_contact_when_named(partnership, icb, carol):
    colin = make_user("colin@northvalley.example", icb, Membership.Role.ADMIN)
    make_user("vera@northvalley.example", icb, Membership.Role.VIEWER)
    sweep_on(2027, 3, 1)
    assert sent(Kind.REVIEW_DUE) == {(CAROL, "2027-03-31:30d"), (colin.email, "2027-03-31:30d")}

    Participant.objects.filter(role=Participant.Role.LEAD_COMMISSIONER).update(lead_contact=colin)
    sweep_on(2027, 3, 24)
    assert sent(Kind.REVIEW_DUE, period_key="2027-03-31:7d") == {(colin.email, "2027-03-31:7d")}


def test_review_due_falls_back_to_every_editor_when_the_lead_contact_has_left(
    partnership, icb, carol
):
    former = make_user("former@northvalley.example")  # no longer a member of the ICB
    Participant.objects.filter(role=Participant.Role.LEAD_COMMISSIONER).update(lead_contact=former)
    sweep_on(2027, 3, 1)
    assert sent(Kind.REVIEW_DUE) == {(CAROL, "2027-03-31:30d")}


def test_review_due_skips_an_ended_partnership(partnership, carol):
    partnership.ends_on = datetime.date(2027, 2, 28)
    partnership.save(update_fields=["ends_on"])
    sweep_on(2027, 3, 1)
    assert not Reminder.objects.exists()


def test_review_due_respects_an_opt_out(partnership, carol):
    carol.reminders_opt_out = True
    carol.save(update_fields=["reminders_opt_out"])
    sweep_on(2027, 3, 1)
    assert not Reminder.objects.exists()


# --- Assessments: due 7 days and 1 day before, overdue weekly from the day after --------
# The open review's assessments are due on 30 November 2026.


@pytest.mark.parametrize(
    ("day", "key"),
    [
        ((2026, 11, 22), None),  # 8 days before
        ((2026, 11, 23), "2026-11-30:7d"),
        ((2026, 11, 28), "2026-11-30:7d"),  # 2 days before: still the first
        ((2026, 11, 29), "2026-11-30:1d"),  # due tomorrow
        ((2026, 11, 30), "2026-11-30:1d"),  # due today
    ],
)
def test_assessment_due_on_each_boundary(open_review, alice, bob, carol, day, key):
    sweep_on(*day)
    expected = {(ALICE, key), (CAROL, key)} if key else set()
    assert sent(Kind.ASSESSMENT_DUE) == expected  # bob only views: he is not asked


def test_assessment_due_targets_each_organisations_own_assessment(open_review, alice, carol):
    sweep_on(2026, 11, 23)
    rows = Reminder.objects.filter(kind=Kind.ASSESSMENT_DUE)
    assert {(r.recipient_id, r.assessment.organisation_id) for r in rows} == {
        (alice.pk, alice.memberships.get().organisation_id),
        (carol.pk, carol.memberships.get().organisation_id),
    }
    assert {r.partnership_id for r in rows} == {open_review.partnership_id}


def test_assessment_due_skips_an_organisation_that_has_submitted(
    open_review, charity_assessment, alice, carol
):
    submit(charity_assessment, by=alice)
    sweep_on(2026, 11, 29)
    assert sent(Kind.ASSESSMENT_DUE) == {(CAROL, "2026-11-30:1d")}


def test_assessment_due_skips_a_closed_review(open_review, alice, carol):
    Review.objects.filter(pk=open_review.pk).update(
        state=Review.State.CLOSED, closed_on=datetime.date(2026, 11, 20), overall_rag="green"
    )
    sweep_on(2026, 11, 29)
    sweep_on(2026, 12, 1)
    assert not Reminder.objects.exists()


def test_assessment_due_skips_a_partner_that_has_left(open_review, charity, alice, carol):
    Participant.objects.filter(organisation=charity).update(left_on=datetime.date(2026, 11, 20))
    sweep_on(2026, 11, 29)
    sweep_on(2026, 12, 1)
    assert {email for email, _ in sent()} == {CAROL}


def test_assessment_due_respects_an_opt_out(open_review, charity, alice, carol):
    eve = make_user("eve@riverside.example", charity, Membership.Role.ADMIN)
    alice.reminders_opt_out = True
    alice.save(update_fields=["reminders_opt_out"])
    sweep_on(2026, 11, 29)
    assert sent(Kind.ASSESSMENT_DUE) == {(CAROL, "2026-11-30:1d"), (eve.email, "2026-11-30:1d")}


def test_assessment_due_skips_people_who_cannot_sign_in(open_review, alice, carol):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    sweep_on(2026, 11, 29)
    assert sent(Kind.ASSESSMENT_DUE) == {(CAROL, "2026-11-30:1d")}


@pytest.mark.parametrize(
    ("day", "week"),
    [
        ((2026, 12, 1), 1),  # the day after the due date
        ((2026, 12, 7), 1),
        ((2026, 12, 8), 2),  # a week later
        ((2026, 12, 15), 3),
    ],
)
def test_assessment_overdue_weekly(open_review, alice, carol, day, week):
    sweep_on(*day)
    key = f"2026-11-30:overdue-{week}"
    assert (ALICE, key) in sent(Kind.ASSESSMENT_OVERDUE)
    assert {k for _, k in sent(Kind.ASSESSMENT_OVERDUE)} == {key}


def test_assessment_overdue_escalates_to_the_lead_commissioner_from_the_second(
    open_review, charity_assessment, alice, carol
):
    sweep_on(2026, 12, 1)
    charity_reminders = {"assessment": charity_assessment, "kind": Kind.ASSESSMENT_OVERDUE}
    assert sent(**charity_reminders) == {(ALICE, "2026-11-30:overdue-1")}

    sweep_on(2026, 12, 8)
    assert sent(**charity_reminders) == {
        (ALICE, "2026-11-30:overdue-1"),
        (ALICE, "2026-11-30:overdue-2"),
        (CAROL, "2026-11-30:overdue-2"),  # the copy to the lead commissioner
    }


def test_escalation_reaches_a_lead_commissioner_who_opted_out(
    open_review, charity_assessment, alice, carol
):
    """Escalations are essential; the opt-out stops Carol's own organisation's reminder."""
    carol.reminders_opt_out = True
    carol.save(update_fields=["reminders_opt_out"])
    sweep_on(2026, 12, 1)
    assert (CAROL, "2026-11-30:overdue-1") not in sent(Kind.ASSESSMENT_OVERDUE)
    sweep_on(2026, 12, 8)
    assert (CAROL, "2026-11-30:overdue-2") in sent(
        Kind.ASSESSMENT_OVERDUE, assessment=charity_assessment
    )


def test_escalation_stops_once_submitted(open_review, charity_assessment, alice, carol):
    submit(charity_assessment, by=alice)
    sweep_on(2026, 12, 8)
    assert not Reminder.objects.filter(assessment=charity_assessment).exists()


# --- Actions: 3 days before, overdue weekly, to the owner --------------------------------
# The action is due on 31 January 2027 and owned by Alice at Riverside Mind.


@pytest.mark.parametrize(
    ("day", "kind", "key"),
    [
        ((2027, 1, 27), None, None),  # 4 days before
        ((2027, 1, 28), Kind.ACTION_DUE, "2027-01-31:3d"),
        ((2027, 1, 30), Kind.ACTION_DUE, "2027-01-31:3d"),  # due tomorrow
        ((2027, 1, 31), Kind.ACTION_DUE, "2027-01-31:3d"),  # due today
        ((2027, 2, 1), Kind.ACTION_OVERDUE, "2027-01-31:overdue-1"),
        ((2027, 2, 8), Kind.ACTION_OVERDUE, "2027-01-31:overdue-2"),
    ],
)
def test_action_on_each_boundary(action, alice, bob, carol, day, kind, key):
    sweep_on(*day)
    assert sent() == ({(ALICE, key)} if key else set())
    if kind:
        assert Reminder.objects.get().kind == kind


def test_action_reminders_stop_when_it_is_done(action, alice):
    Action.objects.filter(pk=action.pk).update(status=Action.Status.DONE)
    sweep_on(2027, 1, 28)
    sweep_on(2027, 2, 1)
    assert not Reminder.objects.exists()


def test_action_with_no_owner_goes_to_the_organisations_editors(action, alice, bob, charity):
    eve = make_user("eve@riverside.example", charity, Membership.Role.ADMIN)
    Action.objects.filter(pk=action.pk).update(owner=None)
    sweep_on(2027, 1, 28)
    assert sent(Kind.ACTION_DUE) == {(ALICE, "2027-01-31:3d"), (eve.email, "2027-01-31:3d")}


def test_action_of_a_partner_that_has_left_is_not_chased(action, alice, charity):
    Participant.objects.filter(organisation=charity).update(left_on=datetime.date(2027, 1, 1))
    sweep_on(2027, 1, 28)
    assert not Reminder.objects.exists()


def test_action_reminders_respect_an_opt_out(action, alice):
    alice.reminders_opt_out = True
    alice.save(update_fields=["reminders_opt_out"])
    sweep_on(2027, 2, 1)
    assert not Reminder.objects.exists()


# --- The sweep as a whole ----------------------------------------------------------------


def test_a_repeated_sweep_creates_nothing(open_review, action, alice, carol):
    first = sweep_on(2026, 12, 8)
    again = sweep_on(2026, 12, 8, 10)
    assert first.created == Reminder.objects.count() > 0
    assert again.created == 0
    assert Reminder.objects.count() == first.created


def test_every_kind_in_one_sweep_takes_two_queries(partnership, open_review, action, alice, carol):
    Action.objects.filter(pk=action.pk).update(due_on=datetime.date(2026, 12, 1))
    partnership.next_review_due = datetime.date(2026, 12, 10)
    partnership.save(update_fields=["next_review_due"])
    Review.objects.filter(pk=open_review.pk).update(due_on=datetime.date(2026, 11, 20))
    with on(2026, 11, 28), CaptureQueriesContext(connection) as queries:
        result = reminders.sweep()
    # The platform admins (concerns escalate to them), the INSERT … SELECT of every kind,
    # marking overdue concerns escalated, and the look for stale rows; the test's own
    # transaction adds a savepoint around them.
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 4, statements
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert result.created == Reminder.objects.count()
    assert kinds == {Kind.ACTION_DUE, Kind.ASSESSMENT_OVERDUE}  # review open: none due
    Review.objects.filter(pk=open_review.pk).update(
        state=Review.State.CLOSED, closed_on=datetime.date(2026, 11, 28), overall_rag="amber"
    )
    sweep_on(2026, 11, 28)
    assert Reminder.objects.filter(kind=Kind.REVIEW_DUE).exists()


def test_new_reminders_are_queued_after_commit_and_sent(
    open_review, alice, carol, django_capture_on_commit_callbacks
):
    with on(2026, 11, 29), django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminders.sweep()
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [ALICE, CAROL]
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SENT}


def _reminder(recipient, partnership, **fields):
    return Reminder.objects.create(
        kind=Kind.REVIEW_DUE,
        partnership=partnership,
        recipient=recipient,
        period_key=fields.pop("period_key", "2027-03-31:30d"),
        **fields,
    )


@on(2026, 11, 23)
def test_stale_rows_are_queued_again(partnership, carol, settings):
    settings.REMINDER_STALE_SECONDS = 15 * 60
    settings.CELERY_TASK_TIME_LIMIT = 300
    now = timezone.now()
    minutes = datetime.timedelta(minutes=1)
    lost = _reminder(carol, partnership, period_key="a", created_at=now - 16 * minutes)
    _reminder(carol, partnership, period_key="b", created_at=now - 14 * minutes)
    retried_lately = _reminder(carol, partnership, period_key="c", created_at=now - 60 * minutes)
    retried_lately.claimed_at = now - 5 * minutes
    retried_lately.save(update_fields=["claimed_at"])
    dropped = _reminder(
        carol,
        partnership,
        period_key="d",
        state=Reminder.State.SENDING,
        claimed_at=now - 6 * minutes,
    )
    _reminder(
        carol,
        partnership,
        period_key="e",
        state=Reminder.State.SENDING,
        claimed_at=now - 4 * minutes,
    )
    _reminder(
        carol,
        partnership,
        period_key="f",
        state=Reminder.State.FAILED,
        created_at=now - 60 * minutes,
    )
    _reminder(
        carol, partnership, period_key="g", state=Reminder.State.SENT, created_at=now - 60 * minutes
    )
    assert set(reminders._stale(now).values_list("pk", flat=True)) == {lost.pk, dropped.pk}
    assert reminders.sweep().requeued == 2


def test_the_command_runs_the_sweep(open_review, alice, carol, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with on(2026, 11, 29), django_capture_on_commit_callbacks(execute=True):
        call_command("send_due_reminders", stdout=out)
    assert "2 new reminders" in out.getvalue()
    assert len(mail.outbox) == 2


def test_the_beat_schedule_runs_the_sweep(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-reminders"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.REMINDER_SWEEP_SECONDS == 15 * 60


def test_the_sweep_has_a_queue_of_its_own():
    """A backlog of sends never holds the sweep back: beat's tick goes to the sweeps queue,
    and the Procfile runs a process that reads it and nothing else."""
    from config.celery import app

    def queue(task):
        return app.amqp.router.route({}, task)["queue"]

    assert queue("partnerships.tasks.sweep_reminders").name == "sweeps"
    assert queue("partnerships.tasks.sweep_reminders").routing_key == "sweeps"
    assert queue("partnerships.tasks.send_reminder").name == "celery"
    assert queue("partnerships.tasks.build_report_workbook").name == "celery"
    procfile = dict(
        line.split(": ", 1)
        for line in (Path(__file__).resolve().parents[2] / "Procfile").read_text().splitlines()
        if line
    )
    assert "worker --loglevel=INFO --queues=sweeps " in procfile["sweeper"]
    assert "--queues=celery " in procfile["worker"]


def test_assessment_kinds_need_an_assessment(partnership, carol):
    """The database refuses a reminder whose target does not match its kind."""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            kind=Kind.ASSESSMENT_DUE, partnership=partnership, recipient=carol, period_key="x"
        )


def test_assessments_of_other_reviews_are_left_alone(open_review, closed_review, alice, carol):
    Assessment.objects.create(
        review=closed_review, organisation=alice.memberships.get().organisation
    )
    sweep_on(2026, 11, 29)
    assert {r.assessment.review_id for r in Reminder.objects.all()} == {open_review.pk}
