"""Reminders that arrive exactly once (docs/design.md and the README, "Reminders").

Beat only rings the bell; PostgreSQL decides. `sweep` finds every reminder that is due with
one set-based INSERT … SELECT, which skips rows that exist (the unique key is kind, target,
recipient and period), so a missed, repeated or doubled sweep changes nothing. Each new row
is queued after commit as its own task, which calls `deliver`: it claims the row, sends the
email and marks it sent. Rows the broker lost or a worker dropped are queued again by the
next sweep once they are stale.

Who hears what:
- review coming due, 30 and 7 days before the partnership's next review date, while no
  review is open: the lead commissioner;
- assessment due soon, 7 days and 1 day before the review's due date, and overdue, the day
  after it and then weekly: the editors and admins of each current partner that has not
  submitted; from the second overdue reminder on, the lead commissioner gets a copy;
- action due, 3 days before, and overdue weekly: its owner, or the editors and admins of
  the owning organisation when no one owns it;
- at once: a review has opened (editors and admins of every current partner) and the
  results are published (every member of every current partner);
- concerns (partnerships/services/concerns.py), at once: raised, closed or withdrawn (the
  lead commissioner), acknowledged or answered (the raising organisation's editors and
  admins), escalated by a raiser not satisfied with the answer (the ICB's VCSE partnership
  lead and platform admins); and escalated by the sweep to the same people when the lead
  commissioner misses the deadline to acknowledge or to answer, the day after it and then
  weekly.

"The lead commissioner" is the lead contact of the lead commissioning organisation while
they still edit for it, otherwise its editors and admins.
"""

import datetime
import logging
import smtplib
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from config.email import MaybeDelivered, email_message
from organisations.audit import audit
from organisations.models import Membership, User
from partnerships.models import (
    Action,
    Assessment,
    Concern,
    Participant,
    Partnership,
    Reminder,
    Reply,
    Review,
)
from partnerships.tasks import send_reminder

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
EDITING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)
LEAD = Participant.Role.LEAD_COMMISSIONER

REVIEW_DUE_DAYS = (30, 7)
ASSESSMENT_DUE_DAYS = (7, 1)
ACTION_DUE_DAYS = 3


# --- Selection: one row per reminder that is due ---------------------------------------

COLUMNS = {
    # Reminder column: the alias each branch of the selection gives it.
    "kind": "r_kind",
    "partnership_id": "r_partnership",
    "review_id": "r_review",
    "assessment_id": "r_assessment",
    "action_id": "r_action",
    "concern_id": "r_concern",
    "recipient_id": "r_recipient",
    "period_key": "r_period",
}
NO_TARGET = Cast(Value(None), BigIntegerField())


class DaysSince(Func):
    """Whole days from the date in `expression` to `day`, on PostgreSQL and SQLite alike."""

    output_field = IntegerField()

    def __init__(self, expression, day: datetime.date):
        super().__init__(Value(day), expression)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner="::date - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _key(date_field: str, suffix) -> Concat:
    """'2026-11-30:7d': the date the reminder is about, then which of its reminders."""
    return Concat(
        Cast(date_field, CharField()),
        Value(":"),
        suffix if hasattr(suffix, "resolve_expression") else Value(suffix),
        output_field=CharField(),
    )


def _overdue_key(date_field: str, today: datetime.date, name: str = "overdue-") -> Concat:
    """'2026-11-30:overdue-2': the first week after the due date is 1, the next 2, …"""
    week = (DaysSince(date_field, today) - 1) / 7 + 1
    return _key(date_field, Concat(Value(name), Cast(week, CharField())))


def _rows(queryset, *, kind, partnership, recipient, period_key, **target) -> QuerySet:
    """A branch of the selection: the reminder's columns, named and ordered alike."""
    expressions = {
        "kind": kind if hasattr(kind, "resolve_expression") else Value(kind, CharField()),
        "partnership_id": partnership,
        "review_id": target.get("review", NO_TARGET),
        "assessment_id": target.get("assessment", NO_TARGET),
        "action_id": target.get("action", NO_TARGET),
        "concern_id": target.get("concern", NO_TARGET),
        "recipient_id": recipient,
        "period_key": period_key,
    }
    return queryset.order_by().values(
        **{COLUMNS[column]: expression for column, expression in expressions.items()}
    )


def _lead_people(path: str) -> Q:
    """People who act for the lead commissioner, through `path` to the partnership's partners.

    Its lead contact while they still edit for it, otherwise its editors and admins. Use
    F(f"{path}__organisation__memberships__user") for the person, in the same query.
    """
    member = f"{path}__organisation__memberships"
    contact_edits = Exists(
        Membership.objects.filter(
            user=OuterRef(f"{path}__lead_contact"),
            organisation=OuterRef(f"{path}__organisation"),
            role__in=EDITING_ROLES,
            user__is_active=True,
        )
    )
    return Q(
        **{
            f"{path}__role": LEAD,
            f"{path}__left_on__isnull": True,
            f"{member}__role__in": EDITING_ROLES,
            f"{member}__user__is_active": True,
        }
    ) & (Q(**{f"{path}__lead_contact": F(f"{member}__user")}) | ~Q(contact_edits))


def _wants(path: str) -> Q:
    """The person at `path` has not turned off non-essential reminders."""
    return Q(**{f"{path}__reminders_opt_out": False})


def _current_partner_editors(organisation: str, partnership: str) -> Q:
    """Editors and admins of `organisation` while it is a current partner of `partnership`."""
    return Q(
        **{
            f"{organisation}__participations__partnership": F(partnership),
            f"{organisation}__participations__left_on__isnull": True,
            f"{organisation}__memberships__role__in": EDITING_ROLES,
            f"{organisation}__memberships__user__is_active": True,
        }
    )


def _review_due(today: datetime.date) -> QuerySet:
    near, far = sorted(REVIEW_DUE_DAYS)
    partnerships = Partnership.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        ~Exists(Review.objects.filter(partnership=OuterRef("pk"), state=Review.State.OPEN)),
        _lead_people("participants"),
        _wants("participants__organisation__memberships__user"),
        next_review_due__range=(today, today + datetime.timedelta(days=far)),
    )
    return _rows(
        partnerships,
        kind=Kind.REVIEW_DUE,
        partnership=F("pk"),
        recipient=F("participants__organisation__memberships__user"),
        period_key=Case(
            When(
                next_review_due__lte=today + datetime.timedelta(days=near),
                then=_key("next_review_due", f"{near}d"),
            ),
            default=_key("next_review_due", f"{far}d"),
        ),
    )


def _unsubmitted() -> QuerySet:
    return Assessment.objects.filter(review__state=Review.State.OPEN).exclude(
        state=Assessment.State.SUBMITTED
    )


def _assessment_rows(assessments, *, kind, period_key, recipient) -> QuerySet:
    return _rows(
        assessments,
        kind=kind,
        partnership=F("review__partnership"),
        assessment=F("pk"),
        recipient=recipient,
        period_key=period_key,
    )


def _schedule(date_field: str, today: datetime.date, days_before, *, due: str, overdue: str):
    """Kind and period key of reminders `days_before` a date and weekly after it.

    Returns (kind, period key, last day): the rows to consider are those whose date is on or
    before the last day. Due and overdue share one branch of the selection, which keeps the
    statement short to plan.
    """
    nearest_first = sorted(days_before)
    late = Q(**{f"{date_field}__lt": today})
    kind = Case(When(late, then=Value(overdue)), default=Value(due), output_field=CharField())
    keys = [When(late, then=_overdue_key(date_field, today))]
    keys += [
        When(
            Q(**{f"{date_field}__lte": today + datetime.timedelta(days=days)}),
            then=_key(date_field, f"{days}d"),
        )
        for days in nearest_first[:-1]
    ]
    key = Case(*keys, default=_key(date_field, f"{nearest_first[-1]}d"))
    return kind, key, today + datetime.timedelta(days=nearest_first[-1])


def _assessments_due(today: datetime.date) -> list[QuerySet]:
    kind, key, last_day = _schedule(
        "review__due_on",
        today,
        ASSESSMENT_DUE_DAYS,
        due=Kind.ASSESSMENT_DUE,
        overdue=Kind.ASSESSMENT_OVERDUE,
    )
    editors = "organisation__memberships__user"
    unsubmitted = _unsubmitted().filter(
        _current_partner_editors("organisation", "review__partnership"),
        _wants(editors),
        review__due_on__lte=last_day,
    )
    # From the second overdue week on; essential, so sent whatever the person chose.
    escalated = _unsubmitted().filter(
        _lead_people("review__partnership__participants"),
        organisation__participations__partnership=F("review__partnership"),
        organisation__participations__left_on__isnull=True,
        review__due_on__lt=today - datetime.timedelta(days=7),
    )
    return [
        _assessment_rows(unsubmitted, kind=kind, recipient=F(editors), period_key=key),
        _assessment_rows(
            escalated,
            kind=Kind.ASSESSMENT_OVERDUE,
            recipient=F("review__partnership__participants__organisation__memberships__user"),
            period_key=_overdue_key("review__due_on", today),
        ),
    ]


def _actions_due(today: datetime.date) -> QuerySet:
    kind, key, last_day = _schedule(
        "due_on", today, [ACTION_DUE_DAYS], due=Kind.ACTION_DUE, overdue=Kind.ACTION_OVERDUE
    )
    member = "owner_organisation__memberships"
    owners = Action.objects.filter(
        Q(owner=F(f"{member}__user"))
        | Q(owner__isnull=True, **{f"{member}__role__in": EDITING_ROLES}),
        _wants(f"{member}__user"),
        status=Action.Status.OPEN,
        owner_organisation__participations__partnership=F("partnership"),
        owner_organisation__participations__left_on__isnull=True,
        due_on__lte=last_day,
        **{f"{member}__user__is_active": True},
    )
    return _rows(
        owners,
        kind=kind,
        partnership=F("partnership"),
        action=F("pk"),
        recipient=F(f"{member}__user"),
        period_key=key,
    )


# --- Concerns --------------------------------------------------------------------------

CONCERN_LEAD = "partnership__participants__organisation__memberships__user"
CONCERN_RAISERS = "organisation__memberships__user"
VCSE_LEAD = "partnership__icb__memberships"


def _concern_rows(concerns, *, kind, recipient, period_key) -> QuerySet:
    if isinstance(period_key, str):
        period_key = Value(period_key, output_field=CharField())
    return _rows(
        concerns,
        kind=kind,
        partnership=F("partnership"),
        concern=F("pk"),
        recipient=recipient,
        period_key=period_key,
    )


def _to_lead(concerns, *, kind, period_key) -> QuerySet:
    return _concern_rows(
        concerns.filter(_lead_people("partnership__participants")),
        kind=kind,
        recipient=F(CONCERN_LEAD),
        period_key=period_key,
    )


def _to_raisers(concerns, *, kind, period_key) -> QuerySet:
    return _concern_rows(
        concerns.filter(_current_partner_editors("organisation", "partnership")),
        kind=kind,
        recipient=F(CONCERN_RAISERS),
        period_key=period_key,
    )


def _escalation_rows(concerns, *, period_key, staff: list[int]) -> list[QuerySet]:
    """To the VCSE partnership lead of the partnership's ICB, and to every platform admin."""
    lead = concerns.filter(
        **{f"{VCSE_LEAD}__vcse_partnership_lead": True, f"{VCSE_LEAD}__user__is_active": True}
    )
    rows = [
        _concern_rows(
            lead,
            kind=Kind.CONCERN_ESCALATED,
            recipient=F(f"{VCSE_LEAD}__user"),
            period_key=period_key,
        )
    ]
    # Platform admins are no relation of a concern: one branch each (a handful of people).
    rows += [
        _concern_rows(
            concerns,
            kind=Kind.CONCERN_ESCALATED,
            recipient=Value(person, output_field=BigIntegerField()),
            period_key=period_key,
        )
        for person in staff
    ]
    return rows


def _platform_admins() -> list[int]:
    return list(User.objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True))


def overdue_concerns(today: datetime.date) -> tuple[QuerySet, QuerySet]:
    """(Not acknowledged in time, not answered in time): only the latest deadline missed
    counts, so one neither acknowledged nor answered by the second is unanswered."""
    return (
        Concern.objects.filter(
            state=Concern.State.RAISED, acknowledge_by__lt=today, respond_by__gte=today
        ),
        Concern.objects.filter(state__in=Concern.WAITING_FOR_LEAD, respond_by__lt=today),
    )


def _concerns_overdue(today: datetime.date, staff: list[int]) -> list[QuerySet]:
    """Escalations of concerns whose deadline has passed: the day after it, then weekly.

    Only the latest deadline missed escalates (`overdue_concerns`).
    """
    unacknowledged, unanswered = overdue_concerns(today)
    return [
        *_escalation_rows(
            unacknowledged,
            period_key=_overdue_key("acknowledge_by", today, "acknowledge-overdue-"),
            staff=staff,
        ),
        *_escalation_rows(
            unanswered,
            period_key=_overdue_key("respond_by", today, "respond-overdue-"),
            staff=staff,
        ),
    ]


def _mark_escalated(today: datetime.date, now: datetime.datetime) -> None:
    """Overdue concerns are escalated from now on: the ICB's VCSE partnership lead sees them."""
    unacknowledged, unanswered = overdue_concerns(today)
    Concern.objects.filter(
        Q(pk__in=unacknowledged.values("pk")) | Q(pk__in=unanswered.values("pk")),
        escalated_at__isnull=True,
    ).update(escalated_at=now)


def notify_concern(*, concern: Concern, kind: str, period_key: str) -> int:
    """The one email of a step in a concern's life, to the other side; sent after commit."""
    concerns = Concern.objects.filter(pk=concern.pk)
    if kind in (Kind.CONCERN_ACKNOWLEDGED, Kind.CONCERN_RESPONDED):
        branches = [_to_raisers(concerns, kind=kind, period_key=period_key)]
    elif kind == Kind.CONCERN_ESCALATED:
        branches = _escalation_rows(concerns, period_key=period_key, staff=_platform_admins())
    else:
        branches = [_to_lead(concerns, kind=kind, period_key=period_key)]
    created = _insert(branches, now=timezone.now())
    transaction.on_commit(partial(_queue, created))
    return len(created)


def due_rows(today: datetime.date) -> list[QuerySet]:
    """Every reminder due on `today`, one queryset per branch, in reminder columns."""
    return [
        _review_due(today),
        *_assessments_due(today),
        _actions_due(today),
        *_concerns_overdue(today, _platform_admins()),
    ]


def _review_opened(review: Review) -> QuerySet:
    assessments = Assessment.objects.filter(
        _current_partner_editors("organisation", "review__partnership"), review=review
    )
    return _assessment_rows(
        assessments,
        kind=Kind.REVIEW_OPENED,
        recipient=F("organisation__memberships__user"),
        period_key=Value("opened", output_field=CharField()),
    )


def _results_published(review: Review) -> QuerySet:
    members = "partnership__participants__organisation__memberships__user"
    reviews = Review.objects.filter(
        _wants(members),
        pk=review.pk,
        partnership__participants__left_on__isnull=True,
        **{f"{members}__is_active": True},
    )
    return _rows(
        reviews,
        kind=Kind.RESULTS_PUBLISHED,
        partnership=F("partnership"),
        review=F("pk"),
        recipient=F(members),
        period_key=Value("published", output_field=CharField()),
    )


def _reply_added(reply) -> QuerySet:
    """The lead commissioner's people, about one partner's reply to the results."""
    reviews = Review.objects.filter(_lead_people("partnership__participants"), pk=reply.review_id)
    return _rows(
        reviews,
        kind=Kind.REPLY_ADDED,
        partnership=F("partnership"),
        review=F("pk"),
        recipient=F("partnership__participants__organisation__memberships__user"),
        period_key=Value(f"reply:{reply.pk}", output_field=CharField()),
    )


def selection_sql(branches: list[QuerySet]) -> tuple[str, tuple]:
    """The branches as one SELECT (UNION ALL), with its parameters."""
    first, *others = branches
    selection = first.union(*others, all=True) if others else first
    return selection.query.get_compiler(connection=connection).as_sql()


def _insert(branches: list[QuerySet], *, now: datetime.datetime) -> list[int]:
    """Inserts the selected reminders that do not exist yet, in one statement; their ids.

    Rows go in a fixed order, so two sweeps at once wait for each other rather than
    deadlock, and the second finds every row there.
    """
    select_sql, params = selection_sql(branches)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    selected = ", ".join(f"due.{quote(alias)}" for alias in COLUMNS.values())
    order = ", ".join(str(position) for position in range(1, len(COLUMNS) + 1))
    # Names are quoted model names and a Django-compiled SELECT; values are parameters.
    sql = (
        f"INSERT INTO {quote(Reminder._meta.db_table)} ({columns}, {quote('state')}, "  # nosec B608
        f"{quote('attempts')}, {quote('last_error')}, {quote('cancelled_because')}, "
        f"{quote('created_at')}) "
        f"SELECT {selected}, %s, 0, '', '', %s FROM ({select_sql}) due "
        # WHERE keeps SQLite from reading ON CONFLICT as a join's ON.
        f"WHERE 1 = 1 ORDER BY {order} ON CONFLICT DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (Reminder.State.PENDING, now, *params))
        return [row[0] for row in cursor.fetchall()]


def _stale(now: datetime.datetime) -> QuerySet:
    """Rows the broker may have lost: pending long after they were made or last tried, or
    sending for longer than a task may run."""
    waited = now - datetime.timedelta(seconds=settings.REMINDER_STALE_SECONDS)
    ran = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return Reminder.objects.filter(
        Q(state=Reminder.State.PENDING, created_at__lt=waited)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=waited))
        | Q(state=Reminder.State.SENDING, claimed_at__lt=ran)
    )


def _queue(ids: list[int]) -> int:
    """One task per reminder; returns how many the broker took. Runs after commit, so a task
    never finds its row missing."""
    if not ids:
        return 0
    queued = 0
    try:
        if send_reminder.app.conf.task_always_eager:
            for reminder_id in ids:
                send_reminder.delay(reminder_id)
                queued += 1
            return queued
        with send_reminder.app.producer_or_acquire() as producer:
            for reminder_id in ids:
                send_reminder.apply_async((reminder_id,), producer=producer)
                queued += 1
    except Exception:
        # The rows are committed and pending: a later sweep queues them again.
        logger.exception(
            "Could not queue %d of %d reminders; a later sweep will.", len(ids) - queued, len(ids)
        )
    return queued


@dataclass
class Sweep:
    created: int
    requeued: int
    # How many of them the broker took, filled in after commit (None until then).
    queued: int | None = None

    @property
    def unqueued(self) -> int:
        """Rows left pending for a later sweep because the broker did not take them (0 while
        a caller's transaction, still open, holds the queuing back)."""
        if self.queued is None:
            return 0
        return self.created + self.requeued - self.queued


def sweep() -> Sweep:
    """Creates the reminders due now and queues them, with any stale ones, after commit.

    Four queries: the platform admins (concerns escalate to them), the INSERT … SELECT of
    every kind at once, marking overdue concerns escalated, and the look for stale rows.
    """
    now = timezone.now()
    with transaction.atomic():
        today = timezone.localdate(now)
        created = _insert(due_rows(today), now=now)
        _mark_escalated(today, now)
        stale = list(_stale(now).values_list("pk", flat=True))
        result = Sweep(created=len(created), requeued=len(stale))

        def queue():
            result.queued = _queue(created + stale)

        transaction.on_commit(queue)
    return result


def notify_review_opened(*, review: Review) -> int:
    """Asks every current partner's editors to complete their assessment; sent after commit."""
    created = _insert([_review_opened(review)], now=timezone.now())
    transaction.on_commit(partial(_queue, created))
    return len(created)


def notify_results_published(*, review: Review) -> int:
    """Tells every member of every current partner that the results are published."""
    created = _insert([_results_published(review)], now=timezone.now())
    transaction.on_commit(partial(_queue, created))
    return len(created)


def notify_reply_added(*, reply) -> int:
    """Tells the lead commissioner that a partner has replied to the results, once: a
    changed reply is not news again (its reminder's key is the reply's)."""
    created = _insert([_reply_added(reply)], now=timezone.now())
    transaction.on_commit(partial(_queue, created))
    return len(created)


# --- Delivery ---------------------------------------------------------------------------


class Outcome(StrEnum):
    """What one `deliver` did, in the words of its log line ("Reminder 12 already sent")."""

    SENT = "sent"
    RETRYING = "to be tried again"  # a temporary error: the task retries with backoff
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    CANCELLED = "cancelled"
    ALREADY_SENT = "already sent"
    ALREADY_FAILED = "already failed"
    ALREADY_UNCERTAIN = "already uncertain"
    ALREADY_CANCELLED = "already cancelled"
    SENDING_ELSEWHERE = "being sent by another worker"
    LOCKED = "locked by another worker"
    MISSING = "missing"


ALREADY = {
    Reminder.State.SENT: Outcome.ALREADY_SENT,
    Reminder.State.FAILED: Outcome.ALREADY_FAILED,
    Reminder.State.UNCERTAIN: Outcome.ALREADY_UNCERTAIN,
    Reminder.State.CANCELLED: Outcome.ALREADY_CANCELLED,
    Reminder.State.SENDING: Outcome.SENDING_ELSEWHERE,
}


def _claimable(reminder: Reminder, now: datetime.datetime) -> bool:
    if reminder.state == Reminder.State.PENDING:
        return True
    ran = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    # A worker that died mid-send leaves the row sending; after the time limit it is ours.
    return reminder.state == Reminder.State.SENDING and reminder.claimed_at < ran


def _has_left(organisation_id: int, partnership_id: int) -> bool:
    return not Participant.objects.filter(
        organisation=organisation_id, partnership=partnership_id, left_on__isnull=True
    ).exists()


def reason_gone(reminder: Reminder, today: datetime.date) -> str:
    """Why the reminder no longer applies, or "" while it does; asked just before sending.

    A reminder can wait hours behind an SMTP outage. What it is about may have changed
    meanwhile: its target's state (an assessment submitted, an action done, a review closed or
    opened), the date it is about (its period key starts with that date), the partner
    leaving. Who hears it is the sweep's rule and is not worked out again here, beyond a
    person who can no longer sign in or, for an action, who now owns it.
    """
    if not reminder.recipient.is_active:
        return "the recipient can no longer sign in"
    about = reminder.period_key.split(":")[0]
    if reminder.kind == Kind.REVIEW_DUE:
        partnership = reminder.partnership
        if partnership.ends_on and partnership.ends_on < today:
            return "the partnership has ended"
        if Review.objects.filter(partnership=partnership, state=Review.State.OPEN).exists():
            return "a review has been opened"
        if str(partnership.next_review_due) != about:
            return "the review's due date has changed"
    elif reminder.assessment_id:
        assessment = reminder.assessment
        if not assessment.review.is_open:
            return "the review has been closed"
        if assessment.state == Assessment.State.SUBMITTED:
            return "the self-assessment has been submitted"
        if reminder.kind != Kind.REVIEW_OPENED and str(assessment.review.due_on) != about:
            return "the review's due date has changed"
        if _has_left(assessment.organisation_id, reminder.partnership_id):
            return "the organisation has left the partnership"
    elif reminder.action_id:
        action = reminder.action
        if action.status != Action.Status.OPEN:
            return f"the action has been marked {action.get_status_display().lower()}"
        if str(action.due_on) != about:
            return "the action's due date has changed"
        if action.owner_id is not None and action.owner_id != reminder.recipient_id:
            return "the action has another owner"
        if _has_left(action.owner_organisation_id, reminder.partnership_id):
            return "the organisation has left the partnership"
    elif reminder.kind == Kind.CONCERN_ESCALATED:
        return _escalation_gone(reminder.concern, reminder.period_key)
    return ""


def _escalation_gone(concern: Concern, period_key: str) -> str:
    """An overdue concern's escalation no longer applies once the lead has caught up."""
    if concern.state == Concern.State.WITHDRAWN:
        return "the concern has been withdrawn"
    if "acknowledge-overdue" in period_key and concern.state != Concern.State.RAISED:
        return "the concern has been acknowledged"
    if "respond-overdue" in period_key and concern.state not in Concern.WAITING_FOR_LEAD:
        return "the concern has been answered"
    about = period_key.split(":")[0]
    deadline = concern.acknowledge_by if "acknowledge-overdue" in period_key else concern.respond_by
    if "overdue" in period_key and str(deadline) != about:
        return "the concern's deadline has changed"
    return ""


def is_permanent(error: Exception) -> bool:
    """The server refused this message for good (5xx): trying again would not help.

    Connection failures, 4xx answers and refusals of the sender or the login are not about
    this message, so they are tried again.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{code} {_text(message)} ({address})"
            for address, (code, message) in error.recipients.items()
        )
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:1000]


def _text(message) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _settle(reminder: Reminder, **fields) -> None:
    """Records the outcome, unless another worker has taken the row over since."""
    Reminder.objects.filter(
        pk=reminder.pk, state=Reminder.State.SENDING, claimed_at=reminder.claimed_at
    ).update(**fields)


def _log(reminder_id: int, outcome: Outcome, detail: str = "") -> Outcome:
    """One line per task, so an operator can count what happened: "Reminder 12 sent"."""
    level = logging.WARNING if outcome in (Outcome.FAILED, Outcome.UNCERTAIN) else logging.INFO
    logger.log(level, "Reminder %s %s%s", reminder_id, outcome, f": {detail}" if detail else "")
    return outcome


def deliver(*, reminder_id: int) -> Outcome:
    """Sends one reminder if it is still to be sent; returns and logs what it did.

    The row is claimed (marked sending) and committed before the email goes, and marked sent
    after: a worker killed in between leaves it sending, and the first sweep after the task
    time limit hands it on. Just before the claim, a reminder whose reason has gone is
    cancelled instead. Permanent refusals mark it failed; no answer once the server had the
    whole email marks it uncertain, for a person to decide; temporary errors put it back to
    pending and are raised, for the task to retry with backoff.
    """
    now = timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(
                "recipient",
                "partnership",
                "review",
                "assessment__review",
                "assessment__organisation",
                "action__owner_organisation",
                "concern__organisation",
                "concern__principle",
            )
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            exists = Reminder.objects.filter(pk=reminder_id).exists()
            return _log(reminder_id, Outcome.LOCKED if exists else Outcome.MISSING)
        if not _claimable(reminder, now):
            return _log(reminder_id, ALREADY[reminder.state])
        reason = reason_gone(reminder, timezone.localdate(now))
        if reason:
            reminder.state, reminder.cancelled_because = Reminder.State.CANCELLED, reason
            reminder.save(update_fields=["state", "cancelled_because"])
            return _log(reminder_id, Outcome.CANCELLED, reason)
        message = reminder_email(reminder)
        reminder.state, reminder.claimed_at = Reminder.State.SENDING, now
        reminder.attempts += 1
        reminder.save(update_fields=["state", "claimed_at", "attempts"])

    try:
        message.send()
    except MaybeDelivered as error:
        reason = _describe(error)
        _settle(reminder, state=Reminder.State.UNCERTAIN, last_error=reason)
        return _log(reminder_id, Outcome.UNCERTAIN, reason)
    except (smtplib.SMTPException, OSError) as error:
        reason = _describe(error)
        if is_permanent(error) or reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _settle(reminder, state=Reminder.State.FAILED, last_error=reason)
            return _log(reminder_id, Outcome.FAILED, reason)
        _settle(reminder, state=Reminder.State.PENDING, last_error=reason)
        _log(reminder_id, Outcome.RETRYING, reason)
        raise
    _settle(reminder, state=Reminder.State.SENT, sent_at=timezone.now(), last_error="")
    return _log(reminder_id, Outcome.SENT)


# --- The email --------------------------------------------------------------------------


def message_id(reminder: Reminder) -> str:
    """The same for every attempt, so a mail system can tell a repeat from a new email."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{reminder.pk}@{host}>"


def _absolute(name: str, query: dict | None = None, **kwargs) -> str:
    url = settings.SITE_URL + reverse(f"partnerships:{name}", kwargs=kwargs)
    return f"{url}?{urlencode(query)}" if query else url


def _profile_url() -> str:
    try:
        return settings.SITE_URL + reverse("profile")
    except NoReverseMatch:  # the profile page's documented address
        return settings.SITE_URL + "/accounts/profile/"


def is_escalation(reminder: Reminder) -> bool:
    """The lead commissioner's copy of another organisation's overdue assessment."""
    return (
        reminder.kind == Kind.ASSESSMENT_OVERDUE
        and not Membership.objects.filter(
            user=reminder.recipient_id, organisation=reminder.assessment.organisation_id
        ).exists()
    )


def email_context(reminder: Reminder) -> dict:
    partnership = reminder.partnership
    context = {
        "reminder": reminder,
        "recipient": reminder.recipient,
        "partnership": partnership,
        "essential": reminder.kind == Kind.REVIEW_OPENED,
        "profile_url": _profile_url(),
    }
    code = partnership.code
    if reminder.kind == Kind.REVIEW_DUE:
        context["due_on"] = partnership.next_review_due
        context["link"] = _absolute("review_open", code=code)
    elif reminder.assessment_id:
        assessment = reminder.assessment
        review = assessment.review
        escalation = is_escalation(reminder)
        context.update(
            assessment=assessment,
            review=review,
            organisation=assessment.organisation,
            due_on=review.due_on,
            escalation=escalation,
            essential=context["essential"] or escalation,
        )
        if escalation:
            context["link"] = _absolute("review_detail", code=code, review_code=review.code)
        else:
            context["link"] = _absolute(
                "assessment",
                code=code,
                review_code=review.code,
                assessment_code=assessment.code,
            )
    elif reminder.concern_id:
        concern = reminder.concern
        context.update(
            concern=concern,
            organisation=concern.organisation,
            # Every step of a concern is news the other side needs, whatever they chose.
            essential=True,
            overdue="overdue" in reminder.period_key,
            unacknowledged="acknowledge-overdue" in reminder.period_key,
            link=_absolute("concern_detail", code=code, concern_code=concern.code),
        )
    elif reminder.action_id:
        action = reminder.action
        context.update(action=action, due_on=action.due_on, organisation=action.owner_organisation)
        context["link"] = _absolute(
            "action_list",
            query={"owner": action.owner_organisation.code, "status": Action.Status.OPEN},
            code=code,
        )
    elif reminder.kind == Kind.REPLY_ADDED:
        context.update(_reply_context(reminder), essential=True)
    else:
        review = reminder.review
        context.update(review=review)
        context["link"] = _absolute("review_results", code=code, review_code=review.code)
    return context


def _reply_context(reminder: Reminder) -> dict:
    """The reply an email is about, shown as from whom the results page would show it to
    its recipient (partnerships.withholding)."""
    from partnerships import scoring, withholding

    review = reminder.review
    stored = review.result
    reply = Reply.objects.select_related("organisation").get(
        pk=int(reminder.period_key.split(":")[1])
    )
    author = withholding.comment_author(
        user=reminder.recipient,
        visibility=review.visibility,
        name=reply.organisation.name,
        side=reply.side,
        submitted={side: getattr(stored, f"{side}_submitted") for side in scoring.SIDES},
        min_per_side=stored.min_per_side,
    )
    link = _absolute("review_results", code=review.partnership.code, review_code=review.code)
    return {"review": review, "reply": reply, "author": author, "link": link + "#replies"}


def reminder_email(reminder: Reminder) -> EmailMultiAlternatives:
    return email_message(
        reminder.kind,
        email_context(reminder),
        to=[reminder.recipient.email],
        headers={
            "Message-ID": message_id(reminder),
            # RFC 3834: tells autoresponders not to answer.
            "Auto-Submitted": "auto-generated",
        },
    )


# --- People's choices and the admin -----------------------------------------------------


@transaction.atomic
def reminders_resend(*, reminders: QuerySet, by: User) -> int:
    """Puts failed and uncertain reminders back to pending and queues them after commit;
    returns how many. An uncertain one may then arrive twice, with the same Message-ID."""
    chosen = list(
        reminders.filter(state__in=[Reminder.State.FAILED, Reminder.State.UNCERTAIN])
        .select_for_update()
        .order_by("pk")
    )
    for reminder in chosen:
        was = reminder.state
        reminder.state, reminder.attempts, reminder.claimed_at = Reminder.State.PENDING, 0, None
        reminder.save(update_fields=["state", "attempts", "claimed_at"])
        audit(
            by,
            "reminder.resent",
            reminder,
            changes={"state": [was, reminder.state], "last_error": reminder.last_error},
        )
    transaction.on_commit(partial(_queue, [reminder.pk for reminder in chosen]))
    return len(chosen)


@transaction.atomic
def reminders_mark_sent(*, reminders: QuerySet, by: User) -> int:
    """Records uncertain reminders as sent, for a person who knows they arrived (the
    recipient has it, or the mail server's log shows it delivered); returns how many.

    Sent at: when it was handed to the server, the attempt that went unanswered.
    """
    chosen = list(
        reminders.filter(state=Reminder.State.UNCERTAIN).select_for_update().order_by("pk")
    )
    for reminder in chosen:
        error = reminder.last_error
        reminder.state, reminder.sent_at, reminder.last_error = (
            Reminder.State.SENT,
            reminder.claimed_at,
            "",
        )
        reminder.save(update_fields=["state", "sent_at", "last_error"])
        audit(
            by,
            "reminder.marked_sent",
            reminder,
            changes={"state": [Reminder.State.UNCERTAIN, reminder.state], "last_error": error},
        )
    return len(chosen)
