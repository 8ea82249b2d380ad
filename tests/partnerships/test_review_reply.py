"""A partner organisation's reply to published results (docs/permissions.md, "Replies to the
results"): one each, shown beside the summary, changeable for REPLY_WINDOW_DAYS, the lead
commissioner emailed once through the reminder log."""

import datetime

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisations.models import AuditEvent
from partnerships.models import Reminder, Reply, Review
from partnerships.services import reminders
from tests.conftest import database_snapshot


def _url(review, organisation):
    return reverse(
        "partnerships:review_reply",
        kwargs={
            "code": review.partnership.code,
            "review_code": review.code,
            "organisation_code": organisation.code,
        },
    )


def _results(review):
    return reverse(
        "partnerships:review_results",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


def test_it_works(client, alice, carol, closed_review, charity):
    client.force_login(alice)
    page = client.get(_results(closed_review)).text
    assert _url(closed_review, charity) in page  # the way to reply, from the results
    response = client.post(_url(closed_review, charity), {"text": "The gap on 3 is about data."})
    assert response.status_code == 302
    reply = Reply.objects.get(review=closed_review, organisation=charity)
    assert (reply.text, reply.side, reply.created_by) == (
        "The gap on 3 is about data.",
        "vcse",
        alice,
    )
    assert AuditEvent.objects.filter(action="reply.added").count() == 1
    page = client.get(_results(closed_review)).text
    assert "The gap on 3 is about data." in page and "Riverside Mind, " in page
    # The lead commissioner's people are told, once.
    (reminder,) = Reminder.objects.filter(kind=Reminder.Kind.REPLY_ADDED)
    assert reminder.recipient == carol and reminder.review == closed_review


def test_it_hides_from_outsiders(client, dan, closed_review, charity):
    client.force_login(dan)
    before = database_snapshot()
    assert client.post(_url(closed_review, charity), {"text": "Hello"}).status_code == 404
    assert database_snapshot() == before


def test_it_requires_role(client, bob, closed_review, charity):
    client.force_login(bob)
    response = client.post(_url(closed_review, charity), {"text": "Hello"})
    assert response.status_code == 403
    assert "Only editors and admins of Riverside Mind" in response.text
    assert not Reply.objects.exists()


def test_the_lead_commissioner_has_its_summary_not_a_reply(client, carol, closed_review, icb):
    client.force_login(carol)
    response = client.get(_url(closed_review, icb))
    assert response.status_code == 403
    assert "its summary" in response.text


def test_there_is_nothing_to_reply_to_while_the_review_is_open(client, alice, open_review, charity):
    client.force_login(alice)
    response = client.post(_url(open_review, charity), {"text": "Hello"})
    assert response.status_code == 403
    assert not Reply.objects.exists()


def test_a_change_within_the_window_is_kept_and_emails_no_one_again(
    client, alice, closed_review, charity
):
    client.force_login(alice)
    client.post(_url(closed_review, charity), {"text": "First"})
    client.post(_url(closed_review, charity), {"text": "Second thoughts"})
    assert Reply.objects.get().text == "Second thoughts"
    assert Reminder.objects.filter(kind=Reminder.Kind.REPLY_ADDED).count() == 1
    assert AuditEvent.objects.filter(action="reply.changed").count() == 1


def test_a_reply_is_fixed_after_its_window(client, alice, closed_review, charity, settings):
    client.force_login(alice)
    client.post(_url(closed_review, charity), {"text": "First"})
    Reply.objects.update(created_at=timezone.now() - datetime.timedelta(days=14, seconds=1))
    response = client.post(_url(closed_review, charity), {"text": "Too late"})
    assert response.status_code == 403
    assert "can no longer change" in response.text
    assert Reply.objects.get().text == "First"
    settings.REPLY_WINDOW_DAYS = 30  # the window is a setting
    assert client.post(_url(closed_review, charity), {"text": "Later"}).status_code == 302


def test_a_long_reply_is_refused_beside_the_field_and_kept(client, alice, closed_review, charity):
    client.force_login(alice)
    typed = "x" * 2_000 + "END"
    response = client.post(_url(closed_review, charity), {"text": typed})
    assert response.status_code == 200
    assert response.text.count("Response must be 2,000 characters or fewer") == 2
    assert "END</textarea>" in response.text
    assert not Reply.objects.exists()


def test_a_confidential_review_shows_the_reply_without_the_name(
    client, alice, carol, closed_review, charity
):
    Review.objects.filter(pk=closed_review.pk).update(visibility="confidential")
    client.force_login(alice)
    form = client.get(_url(closed_review, charity)).text
    assert "as from “a VCSE partner”, without its name" in form
    client.post(_url(closed_review, charity), {"text": "Our view"})
    client.force_login(carol)
    page = client.get(_results(closed_review)).text
    assert "Our view" in page
    assert "A VCSE partner, " in page and "Riverside Mind, " not in page


def test_a_reply_names_no_side_when_a_side_is_too_small_to_be_shown(
    client, alice, carol, closed_review, charity, icb
):
    from tests.conftest import store_result, submit

    for organisation in (icb, charity):
        submit(closed_review.assessments.create(organisation=organisation))
    Review.objects.filter(pk=closed_review.pk).update(visibility="confidential")
    store_result(Review.objects.get(pk=closed_review.pk))
    client.force_login(alice)
    client.post(_url(closed_review, charity), {"text": "Our view"})
    client.force_login(carol)
    page = client.get(_results(closed_review)).text
    # One organisation a side: naming its side would name it.
    assert "A partner, " in page and "A VCSE partner" not in page


def test_the_lead_is_emailed_once(alice, carol, closed_review, charity):
    from partnerships.services.replies import reply_save

    with_result = Review.objects.select_related("result").get(pk=closed_review.pk)
    reply_save(review=with_result, organisation=charity, by=alice, text="Thank you")
    (reminder,) = Reminder.objects.filter(kind=Reminder.Kind.REPLY_ADDED)
    assert reminders.deliver(reminder_id=reminder.pk) == reminders.Outcome.SENT
    assert reminders.deliver(reminder_id=reminder.pk) == reminders.Outcome.ALREADY_SENT
    (message,) = mail.outbox
    assert message.to == [carol.email]
    assert (
        message.subject
        == "Riverside Mind has replied to the results of the Riverside Partnership review"
    )
    assert "Thank you" in message.body
    assert f"/reviews/{closed_review.code}/results/#replies" in message.body
