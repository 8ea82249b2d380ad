"""Concerns: deadlines in working days, each step audited and emailed once, escalation."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from organisations.models import AuditEvent, Membership, Organisation
from partnerships.models import Concern, Participant, Reminder
from partnerships.services import concerns as services
from partnerships.services import reminders
from tests.conftest import make_user

LONDON = zoneinfo.ZoneInfo("Europe/London")
Kind = Reminder.Kind
CAROL = "carol@northvalley.example"
ALICE = "alice@riverside.example"


def on(year, month, day, hour=9):
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=LONDON), tick=False)


def _raise(partnership, organisation, by, **fields):
    values = {
        "principle": partnership.framework.principles.get(number=5),
        "what_happened": "The quarterly return doubled in length.",
        "would_like": "A return in proportion to the grant.",
        "visibility": Concern.Visibility.LEAD,
        **fields,
    }
    return services.concern_raise(
        partnership=partnership, organisation=organisation, by=by, **values
    )


def _raised_on(partnership, organisation, by, day):
    with on(*day):
        return _raise(partnership, organisation, by)


# --- Deadlines: 5 and 20 working days, weekends and bank holidays skipped ----------------


@pytest.mark.parametrize(
    ("day", "acknowledge_by", "respond_by"),
    [
        # Monday: a plain run of weeks.
        ((2026, 11, 2), (2026, 11, 9), (2026, 11, 30)),
        # Friday: the weekend is skipped at once; Christmas Day (Friday) and Boxing Day
        # (observed on Monday 28 December) push the answer to the 29th.
        ((2026, 11, 27), (2026, 12, 4), (2026, 12, 29)),
        # Wednesday before Easter 2027: Good Friday (26 March) and Easter Monday (29 March).
        ((2027, 3, 24), (2027, 4, 2), (2027, 4, 23)),
        # Christmas week itself: 25 and 28 December, then New Year's Day 2027.
        ((2026, 12, 23), (2027, 1, 4), (2027, 1, 25)),
    ],
)
def test_deadlines_in_england(partnership, charity, alice, day, acknowledge_by, respond_by):
    concern = _raised_on(partnership, charity, alice, day)
    assert concern.acknowledge_by == datetime.date(*acknowledge_by)
    assert concern.respond_by == datetime.date(*respond_by)


def test_a_scottish_partner_keeps_st_andrews_day(partnership, charity, alice):
    """Monday 30 November 2026 is St Andrew's Day: a holiday in Scotland, not in England."""
    scottish = Organisation.objects.create(
        name="Glen Befriending",
        kind=Organisation.Kind.CHARITY,
        charity_number="SC012345",
        charity_regulator=Organisation.Regulator.OSCR,
    )
    Participant.objects.create(
        partnership=partnership, organisation=scottish, role=Participant.Role.VCSE_PARTNER
    )
    Membership.objects.create(user=alice, organisation=scottish, role=Membership.Role.EDITOR)
    scots = _raised_on(partnership, scottish, alice, (2026, 11, 27))
    english = _raised_on(partnership, charity, alice, (2026, 11, 27))
    assert scots.acknowledge_by == datetime.date(2026, 12, 7)
    assert english.acknowledge_by == datetime.date(2026, 12, 4)


def test_the_icb_areas_nation_counts_too(partnership, icb, charity, alice):
    """The partnership's ICB area marked as in Northern Ireland: St Patrick's Day counts."""
    Organisation.objects.filter(pk=icb.pk).update(nation=Organisation.Nation.NORTHERN_IRELAND)
    partnership.icb.refresh_from_db()
    # Monday 15 March 2027 + 5 working days, with Wednesday 17 March a holiday there.
    concern = _raised_on(partnership, charity, alice, (2027, 3, 15))
    assert concern.acknowledge_by == datetime.date(2027, 3, 23)


def test_the_deadlines_follow_the_settings(partnership, charity, alice, settings):
    settings.CONCERN_ACKNOWLEDGE_DAYS, settings.CONCERN_RESPOND_DAYS = 1, 2
    concern = _raised_on(partnership, charity, alice, (2026, 11, 27))
    assert (concern.acknowledge_by, concern.respond_by) == (
        datetime.date(2026, 11, 30),
        datetime.date(2026, 12, 1),
    )


# --- Each step: audited, emailed once to the other side ----------------------------------


def _emails(kind):
    return sorted(
        Reminder.objects.filter(kind=kind, state=Reminder.State.SENT).values_list(
            "recipient__email", flat=True
        )
    )


def test_the_whole_life_of_a_concern(
    partnership, charity, alice, bob, carol, dan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern = _raised_on(partnership, charity, alice, (2026, 11, 2))
    assert _emails(Kind.CONCERN_RAISED) == [CAROL]
    (raised,) = mail.outbox
    assert raised.subject == "Riverside Mind has raised a concern about Riverside Partnership"
    assert "acknowledge it by Monday 9 November 2026" in raised.body
    assert "The quarterly return doubled in length." in raised.body

    with django_capture_on_commit_callbacks(execute=True):
        concern = services.concern_acknowledge(concern=concern, by=carol)
    assert _emails(Kind.CONCERN_ACKNOWLEDGED) == [ALICE]  # editors, not Bob the viewer
    with django_capture_on_commit_callbacks(execute=True), on(2026, 11, 20):
        concern = services.concern_respond(
            concern=concern, by=carol, response="We will agree a lighter return by December."
        )
    assert concern.responded_in_time is True and concern.days_to_respond == 18
    assert _emails(Kind.CONCERN_RESPONDED) == [ALICE]
    assert "We will agree a lighter return by December." in mail.outbox[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        concern = services.concern_close(
            concern=concern, by=alice, outcome="satisfied", note="The new return is agreed."
        )
    assert _emails(Kind.CONCERN_CLOSED) == [CAROL]
    assert mail.outbox[-1].subject.endswith(": satisfied")
    assert len(mail.outbox) == 4
    actions = list(
        AuditEvent.objects.filter(object_id=str(concern.code))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "concern.raised",
        "concern.acknowledged",
        "concern.responded",
        "concern.closed",
    ]
    # A repeated step changes nothing and sends nothing.
    with pytest.raises(ValidationError):
        services.concern_acknowledge(concern=concern, by=carol)
    with pytest.raises(ValidationError):
        services.concern_withdraw(concern=concern, by=alice)
    assert len(mail.outbox) == 4


def test_a_concern_can_be_withdrawn_while_open(
    partnership, charity, alice, carol, django_capture_on_commit_callbacks
):
    concern = _raised_on(partnership, charity, alice, (2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        concern = services.concern_withdraw(concern=concern, by=alice, note="Sorted out by phone.")
    assert concern.state == Concern.State.WITHDRAWN
    assert _emails(Kind.CONCERN_WITHDRAWN) == [CAROL]


def test_only_an_editor_of_a_current_partner_can_raise(partnership, charity, bob, dan):
    with pytest.raises(ValidationError):
        _raise(partnership, charity, bob)
    outside = dan.memberships.get().organisation
    with pytest.raises(ValidationError):
        _raise(partnership, outside, dan)
    assert not Concern.objects.exists()


def test_a_principle_of_another_framework_is_refused(partnership, charity, alice, framework):
    from principles.models import Framework, Principle

    other = Framework.objects.create(name="Other", version="1")
    principle = Principle.objects.create(framework=other, number=1, name="Other principle")
    with pytest.raises(ValidationError):
        _raise(partnership, charity, alice, principle=principle)


def test_closing_waits_for_an_answer(concern, alice):
    with pytest.raises(ValidationError):
        services.concern_close(concern=concern, by=alice, outcome="satisfied", note="Fine.")
    concern.refresh_from_db()
    assert concern.state == Concern.State.RAISED


# --- Escalation: the first and the second missed deadline, once each --------------------


@pytest.fixture
def area_icb(partnership):
    """The partnership's ICB area: another ICB than the lead commissioner."""
    area = Organisation.objects.create(
        name="NHS Hill Country ICB", kind=Organisation.Kind.ICB, ods_code="QHC"
    )
    partnership.icb = area
    partnership.save(update_fields=["icb"])
    return area


@pytest.fixture
def vicky(area_icb):
    """The VCSE partnership lead of the partnership's ICB area, not a partner herself."""
    vicky = make_user("vicky@hillcountry.example", area_icb, Membership.Role.VIEWER)
    Membership.objects.filter(user=vicky).update(vcse_partnership_lead=True)
    return vicky


@pytest.fixture
def escalation_cast(vicky, ada):
    return {"vicky@hillcountry.example", "ada@platform.example"}


def _escalations():
    return {
        (r.recipient.email, r.period_key)
        for r in Reminder.objects.filter(kind=Kind.CONCERN_ESCALATED).select_related("recipient")
    }


def test_escalation_at_each_missed_deadline_once(concern, carol, escalation_cast):
    """Acknowledge by Monday 9 November, answer by Monday 30 November 2026."""
    for day in [(2026, 11, 6), (2026, 11, 9, 23)]:
        with on(*day):
            reminders.sweep()
    assert _escalations() == set()
    for day in [(2026, 11, 10), (2026, 11, 10, 18), (2026, 11, 12)]:
        with on(*day):
            reminders.sweep()
    first = {(email, "2026-11-09:acknowledge-overdue-1") for email in escalation_cast}
    assert _escalations() == first
    concern.refresh_from_db()
    assert concern.escalated_at is not None
    # Still not acknowledged a week later: weekly, as overdue reviews are.
    with on(2026, 11, 17):
        reminders.sweep()
    second_week = {(email, "2026-11-09:acknowledge-overdue-2") for email in escalation_cast}
    assert _escalations() == first | second_week
    # Acknowledged, but not answered by the second deadline: escalated again, once.
    services.concern_acknowledge(concern=concern, by=carol)
    for day in [(2026, 11, 30), (2026, 12, 1), (2026, 12, 1, 20), (2026, 12, 3)]:
        with on(*day):
            reminders.sweep()
    answer = {(email, "2026-11-30:respond-overdue-1") for email in escalation_cast}
    assert _escalations() == first | second_week | answer


def test_an_answered_concern_escalates_no_more(concern, carol, escalation_cast):
    with on(2026, 11, 5):
        services.concern_respond(concern=concern, by=carol, response="Agreed.")
    for day in [(2026, 11, 10), (2026, 12, 1), (2026, 12, 8)]:
        with on(*day):
            reminders.sweep()
    assert _escalations() == set()


def test_a_pending_escalation_is_cancelled_once_acknowledged(
    concern, carol, escalation_cast, settings
):
    with on(2026, 11, 10):
        reminders.sweep()
    services.concern_acknowledge(concern=concern, by=carol)
    with on(2026, 11, 10, 10):
        outcomes = {
            reminders.deliver(reminder_id=pk)
            for pk in Reminder.objects.filter(kind=Kind.CONCERN_ESCALATED).values_list(
                "pk", flat=True
            )
        }
    assert outcomes == {reminders.Outcome.CANCELLED}
    assert not mail.outbox


def test_a_raiser_not_satisfied_can_escalate(
    concern, alice, carol, escalation_cast, django_capture_on_commit_callbacks
):
    services.concern_respond(concern=concern, by=carol, response="We cannot change it.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.concern_close(
            concern=concern,
            by=alice,
            outcome="not_satisfied",
            note="The return is still out of scale.",
            escalate=True,
        )
    assert _escalations() == {(email, "not-satisfied") for email in escalation_cast}
    escalated = [m for m in mail.outbox if m.subject.startswith("Escalated")]
    assert {m.to[0] for m in escalated} == escalation_cast
    assert "The return is still out of scale." in escalated[0].body


def test_a_satisfied_raiser_cannot_escalate(concern, alice, carol):
    services.concern_respond(concern=concern, by=carol, response="Agreed.")
    with pytest.raises(ValidationError):
        services.concern_close(
            concern=concern, by=alice, outcome="satisfied", note="Fine.", escalate=True
        )


def test_the_vcse_lead_sees_a_concern_once_escalated(concern, vicky, escalation_cast):
    assert not Concern.objects.visible_to(vicky).exists()
    with on(2026, 11, 10):
        reminders.sweep()
    assert list(Concern.objects.visible_to(vicky)) == [concern]
