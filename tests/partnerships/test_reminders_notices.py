"""The two notices sent at once: a review has opened, the results are published."""

import datetime

from django.core import mail

from organisations.models import Membership
from partnerships.models import HealthCheck, Participant, Reminder
from partnerships.services import reminders
from partnerships.services.reviews import review_close, review_open
from tests.conftest import make_user

Kind = Reminder.Kind


def _recipients(kind):
    return set(Reminder.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_opening_a_review_asks_every_partners_editors(
    partnership, alice, bob, carol, dan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = review_open(partnership=partnership, by=carol, due_on=datetime.date(2099, 1, 31))
    assert _recipients(Kind.REVIEW_OPENED) == {
        "alice@riverside.example",
        "carol@northvalley.example",
    }
    assert {r.assessment.review_id for r in Reminder.objects.all()} == {review.pk}
    assert {m.to[0] for m in mail.outbox} == _recipients(Kind.REVIEW_OPENED)
    (to_alice,) = [m for m in mail.outbox if m.to == ["alice@riverside.example"]]
    assert to_alice.subject == (
        "Please complete Riverside Mind’s self-assessment for Riverside Partnership "
        "by 31 January 2099"
    )
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SENT}


def test_the_review_opened_notice_is_essential(partnership, alice, carol):
    alice.reminders_opt_out = True
    alice.save(update_fields=["reminders_opt_out"])
    review_open(partnership=partnership, by=carol, due_on=datetime.date(2099, 1, 31))
    assert "alice@riverside.example" in _recipients(Kind.REVIEW_OPENED)


def test_a_partner_that_has_left_is_not_asked(partnership, charity, alice, carol):
    Participant.objects.filter(organisation=charity).update(left_on=datetime.date(2026, 1, 1))
    review_open(partnership=partnership, by=carol, due_on=datetime.date(2099, 1, 31))
    assert _recipients(Kind.REVIEW_OPENED) == {"carol@northvalley.example"}


def test_closing_a_review_tells_every_member_of_every_partner(
    open_review, charity, alice, bob, carol, dan, django_capture_on_commit_callbacks
):
    make_user("eve@riverside.example", charity, Membership.Role.VIEWER, reminders_opt_out=True)
    HealthCheck.objects.create(review=open_review)
    with django_capture_on_commit_callbacks(execute=True):
        review_close(review=open_review, by=carol, overall_rag="green")
    # Eve turned reminders off; Dan is not a partner.
    expected = {"alice@riverside.example", "bob@riverside.example", "carol@northvalley.example"}
    assert _recipients(Kind.RESULTS_PUBLISHED) == expected
    assert {m.to[0] for m in mail.outbox} == expected
    assert mail.outbox[0].subject == "The results of the Riverside Partnership review are published"


def test_a_person_in_two_partners_hears_once(open_review, icb, alice, carol):
    Membership.objects.create(user=alice, organisation=icb, role=Membership.Role.VIEWER)
    assert reminders.notify_results_published(review=open_review) == 2
    assert reminders.notify_results_published(review=open_review) == 0


def test_notices_wait_for_the_commit(partnership, alice, carol, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review_open(partnership=partnership, by=carol, due_on=datetime.date(2099, 1, 31))
    assert not mail.outbox
    assert len(callbacks) == 1
