"""The lead commissioner acknowledges and answers a concern; the raiser closes or withdraws it."""

import datetime

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisations.models import AuditEvent
from partnerships.models import Concern, Review
from tests.conftest import database_snapshot


def _url(concern, name):
    return reverse(
        f"partnerships:concern_{name}",
        kwargs={"code": concern.partnership.code, "concern_code": concern.code},
    )


def test_acknowledging_works(client, carol, concern, django_capture_on_commit_callbacks):
    client.force_login(carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(concern, "acknowledge"))
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.state == Concern.State.ACKNOWLEDGED and concern.acknowledged_by == carol
    assert [m.to for m in mail.outbox] == [["alice@riverside.example"]]
    # Again: nothing changes, nothing more is sent, and the page says why.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(concern, "acknowledge"), follow=True)
    assert "already been acknowledged" in response.text
    assert len(mail.outbox) == 1


def test_acknowledging_rejects_get(client, carol, concern):
    client.force_login(carol)
    assert client.get(_url(concern, "acknowledge")).status_code == 405


def test_acknowledging_requires_the_lead(client, alice, concern):
    client.force_login(alice)
    before = database_snapshot()
    response = client.post(_url(concern, "acknowledge"))
    assert response.status_code == 403
    assert "Only editors and admins of the lead commissioner" in response.text
    assert database_snapshot() == before


def test_answering_works_and_keeps_the_text_on_error(client, carol, concern):
    client.force_login(carol)
    response = client.post(_url(concern, "respond"), {"response": "  "})
    assert response.status_code == 200 and "Enter your response" in response.text
    long = "We will act. " * 200
    response = client.post(_url(concern, "respond"), {"response": long})
    assert "Your response must be 2,000 characters or fewer" in response.text
    assert long.strip()[:200] in response.text
    response = client.post(_url(concern, "respond"), {"response": "A lighter return from January."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.state == Concern.State.RESPONDED and concern.acknowledged_at is not None


def test_answering_hides_from_outsiders(client, dan, concern):
    client.force_login(dan)
    assert client.post(_url(concern, "respond"), {"response": "x"}).status_code == 404


def _answered(concern, carol):
    from partnerships.services.concerns import concern_respond

    return concern_respond(concern=concern, by=carol, response="A lighter return from January.")


def test_closing_not_satisfied_with_escalation(client, alice, carol, ada, concern):
    _answered(concern, carol)
    client.force_login(alice)
    page = client.get(_url(concern, "close"))
    assert "A lighter return from January." in page.text
    response = client.post(
        _url(concern, "close"),
        {"outcome": "not_satisfied", "note": "Still twice the size.", "escalate": "on"},
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.state, concern.outcome) == ("closed", "not_satisfied")
    assert concern.escalated_at is not None


def test_closing_satisfied_cannot_escalate(client, alice, carol, concern):
    _answered(concern, carol)
    client.force_login(alice)
    response = client.post(
        _url(concern, "close"), {"outcome": "satisfied", "note": "Fine.", "escalate": "on"}
    )
    assert response.status_code == 200
    assert "Only a concern you are not satisfied with can be escalated" in response.text
    concern.refresh_from_db()
    assert concern.state == Concern.State.RESPONDED


def test_closing_requires_the_raising_organisation(client, carol, bob, concern):
    _answered(concern, carol)
    for person in (carol, bob):
        client.force_login(person)
        response = client.post(_url(concern, "close"), {"outcome": "satisfied", "note": "x"})
        assert response.status_code == 403
        assert "Riverside Mind, which raised this concern" in response.text


def test_withdrawing_works(client, alice, concern):
    client.force_login(alice)
    response = client.post(_url(concern, "withdraw"), {"note": "Sorted out by phone."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.state == Concern.State.WITHDRAWN
    assert AuditEvent.objects.filter(action="concern.withdrawn").count() == 1


def test_a_review_opened_from_a_concern_links_back(client, carol, concern):
    client.force_login(carol)
    url = reverse("partnerships:review_open", kwargs={"code": concern.partnership.code})
    page = client.get(f"{url}?concern={concern.code}")
    assert f'name="concern" value="{concern.code}"' in page.text
    due = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(
        url,
        {"concern": concern.code, "due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year},
    )
    assert response.status_code == 302
    review = Review.objects.get(state="open")
    concern.refresh_from_db()
    assert concern.review == review
    detail = client.get(response.url)
    assert _url(concern, "detail") in detail.text


def test_a_concern_code_that_does_not_fit_is_ignored(client, carol, partnership):
    client.force_login(carol)
    url = reverse("partnerships:review_open", kwargs={"code": partnership.code})
    assert client.get(f"{url}?concern=not-a-code").status_code == 200
