"""The reminder log in the admin, and a person's choice to get only essential reminders."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from organisations.forms import ReminderPreferencesForm
from organisations.models import AuditEvent
from organisations.services import person_set_reminders
from partnerships.admin import REMINDERS_PAGE_SIZE
from partnerships.models import Reminder

Kind = Reminder.Kind
LOG = reverse("admin:partnerships_reminder_changelist")


@pytest.fixture
def failed(partnership, carol):
    return Reminder.objects.create(
        kind=Kind.REVIEW_DUE,
        partnership=partnership,
        recipient=carol,
        period_key="2027-03-31:7d",
        state=Reminder.State.FAILED,
        attempts=1,
        last_error="550 5.1.1 No such mailbox (carol@northvalley.example)",
    )


@pytest.fixture
def delivered(partnership, carol):
    return Reminder.objects.create(
        kind=Kind.REVIEW_DUE,
        partnership=partnership,
        recipient=carol,
        period_key="2027-03-31:30d",
        state=Reminder.State.SENT,
    )


def test_it_works(client, ada, failed, delivered):
    client.force_login(ada)
    page = client.get(LOG)
    assert page.status_code == 200
    assert "No such mailbox" not in page.text  # the reason is on the reminder's own page
    assert (
        client.get(reverse("admin:partnerships_reminder_change", args=[failed.pk])).status_code
        == 200
    )


@pytest.mark.parametrize(
    "query", ["kind__exact=review_due", "state__exact=failed", "partnership__id__exact={pk}"]
)
def test_it_filters_by_kind_state_and_partnership(client, ada, failed, delivered, query):
    client.force_login(ada)
    page = client.get(f"{LOG}?{query.format(pk=failed.partnership_id)}")
    assert page.status_code == 200
    assert "2027-03-31:7d" in page.text


def test_it_hides_from_people_who_are_not_staff(client, carol, failed):
    client.force_login(carol)
    assert client.get(LOG).status_code == 302  # to the admin's sign-in


def test_a_failed_reminder_can_be_sent_again(
    client, ada, failed, delivered, django_capture_on_commit_callbacks
):
    client.force_login(ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LOG,
            {"action": "resend", "_selected_action": [failed.pk, delivered.pk]},
            follow=True,
        )
    assert (
        "1 failed or uncertain reminder queued to send again. "
        "1 not failed or uncertain, so left as they were." in response.text
    )
    failed.refresh_from_db()
    assert failed.state == Reminder.State.SENT
    assert [m.to for m in mail.outbox] == [["carol@northvalley.example"]]
    assert AuditEvent.objects.filter(action="reminder.resent", actor=ada).count() == 1


@pytest.fixture
def uncertain(partnership, carol):
    return Reminder.objects.create(
        kind=Kind.REVIEW_DUE,
        partnership=partnership,
        recipient=carol,
        period_key="2027-03-31:7d",
        state=Reminder.State.UNCERTAIN,
        attempts=1,
        claimed_at=datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC),
        last_error="MaybeDelivered: No answer after the whole message was sent: timed out",
    )


def test_uncertain_reminders_are_listed_for_a_person_to_decide(client, ada, uncertain, delivered):
    client.force_login(ada)
    page = client.get(f"{LOG}?state__exact=uncertain")
    assert "2027-03-31:7d" in page.text and "2027-03-31:30d" not in page.text
    assert "Uncertain: may have been sent" in page.text
    detail = client.get(reverse("admin:partnerships_reminder_change", args=[uncertain.pk]))
    assert "No answer after the whole message was sent" in detail.text


def test_an_uncertain_reminder_can_be_sent_again(
    client, ada, uncertain, django_capture_on_commit_callbacks
):
    client.force_login(ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LOG, {"action": "resend", "_selected_action": [uncertain.pk]}, follow=True
        )
    assert "1 failed or uncertain reminder queued to send again." in response.text
    uncertain.refresh_from_db()
    assert uncertain.state == Reminder.State.SENT and uncertain.last_error == ""
    assert [m.to for m in mail.outbox] == [["carol@northvalley.example"]]
    event = AuditEvent.objects.get(action="reminder.resent", actor=ada)
    assert event.changes["state"] == ["uncertain", "pending"]


def test_an_uncertain_reminder_can_be_marked_sent(client, ada, uncertain, delivered):
    client.force_login(ada)
    response = client.post(
        LOG, {"action": "mark_sent", "_selected_action": [uncertain.pk, delivered.pk]}, follow=True
    )
    assert (
        "1 uncertain reminder marked sent. 1 not uncertain, so left as they were." in response.text
    )
    uncertain.refresh_from_db()
    assert uncertain.state == Reminder.State.SENT
    assert uncertain.sent_at == uncertain.claimed_at  # handed to the server then
    assert uncertain.last_error == ""
    assert not mail.outbox
    event = AuditEvent.objects.get(action="reminder.marked_sent", actor=ada)
    assert event.changes == {
        "state": ["uncertain", "sent"],
        "last_error": "MaybeDelivered: No answer after the whole message was sent: timed out",
    }


def test_the_log_cannot_be_edited(client, ada, failed):
    client.force_login(ada)
    response = client.post(
        reverse("admin:partnerships_reminder_change", args=[failed.pk]), {"state": "sent"}
    )
    assert response.status_code == 403
    assert Reminder.objects.get(pk=failed.pk).state == Reminder.State.FAILED


# --- The person's choice ------------------------------------------------------------------


def test_the_form_offers_the_current_choice_and_says_what_is_essential(alice):
    form = ReminderPreferencesForm(user=alice)
    assert form.initial["reminders"] == "all"
    assert (
        "the request to complete your organisation’s self-assessment"
        in form.fields["reminders"].help_text
    )


def test_the_form_gives_the_service_its_value(alice):
    form = ReminderPreferencesForm({"reminders": "essential"}, user=alice)
    assert form.is_valid()
    person_set_reminders(user=alice, opt_out=form.opt_out)
    alice.refresh_from_db()
    assert alice.reminders_opt_out
    event = AuditEvent.objects.get(action="person.reminders_changed")
    assert event.changes == {"reminders_opt_out": [False, True]}


def test_the_form_says_how_to_fix_a_missing_choice(alice):
    form = ReminderPreferencesForm({}, user=alice)
    assert not form.is_valid()
    assert form.errors["reminders"] == [
        "Select whether to get every reminder or only the essential emails"
    ]


def test_an_unchanged_choice_records_nothing(alice):
    person_set_reminders(user=alice, opt_out=False)
    assert not AuditEvent.objects.filter(action="person.reminders_changed").exists()


@pytest.mark.parametrize("count", [1, 10, 100])
def test_the_log_is_a_page_at_a_time_in_a_fixed_number_of_queries(
    client, ada, partnership, carol, count, django_assert_num_queries
):
    Reminder.objects.bulk_create(
        Reminder(
            kind=Kind.REVIEW_DUE,
            partnership=partnership,
            recipient=carol,
            period_key=f"2027-03-31:{number}",
            state=Reminder.State.SENT,
        )
        for number in range(count)
    )
    client.force_login(ada)
    client.get(LOG)
    # The page's rows with their recipient and partnership, the count of the filtered rows,
    # the date drill-down and the admin's own: the same however long the log.
    with django_assert_num_queries(4):
        page = client.get(LOG)
    assert len(page.context["cl"].result_list) == min(count, REMINDERS_PAGE_SIZE)
    assert page.text.count('name="_selected_action"') == min(count, REMINDERS_PAGE_SIZE)
