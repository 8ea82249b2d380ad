import re

from django.urls import reverse

from partnerships.models import HealthCheck


def _url(review):
    return reverse(
        "partnerships:health_check",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


def _form(**overrides):
    data = {f"rag_{n}": "green" for n in range(1, 8)}
    data.update({f"comment_{n}": "" for n in range(1, 8)})
    data.update({"rag_5": "red", "comment_5": "Reporting is too heavy", "summary": "Mostly good"})
    data.update(overrides)
    return data


def test_it_works(client, carol, open_review):
    client.force_login(carol)
    response = client.post(_url(open_review), _form(serious_concern="on"))
    assert response.status_code == 302
    health_check = HealthCheck.objects.get(review=open_review)
    assert health_check.serious_concern
    entries = {e.principle.number: (e.rag, e.comment) for e in health_check.entries.all()}
    assert entries[5] == ("red", "Reporting is too heavy")
    assert entries[1] == ("green", "")
    open_review.refresh_from_db()
    assert open_review.summary == "Mostly good"


def test_saving_again_changes_the_entries_in_place(client, carol, open_review):
    client.force_login(carol)
    client.post(_url(open_review), _form())
    client.post(_url(open_review), _form(rag_5="amber"))
    health_check = HealthCheck.objects.get(review=open_review)
    assert health_check.entries.count() == 7
    assert health_check.entries.get(principle__number=5).rag == "amber"
    page = client.get(_url(open_review)).text
    assert re.search(r'name="rag_5"[^>]*value="amber"\s+checked', page)


def test_it_keeps_what_was_typed_when_a_rating_is_missing(client, carol, open_review):
    client.force_login(carol)
    response = client.post(_url(open_review), _form(rag_3="", comment_3="Plans shared late"))
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Select red, amber or green for Joint Vision" in response.text
    assert "Plans shared late" in response.text
    assert not HealthCheck.objects.exists()


def test_it_hides_from_outsiders(client, dan, open_review):
    client.force_login(dan)
    assert client.post(_url(open_review), _form()).status_code == 404
    assert not HealthCheck.objects.exists()


def test_it_requires_role(client, alice, bob, open_review):
    for person in (alice, bob):
        client.force_login(person)
        assert client.post(_url(open_review), _form()).status_code == 403
    assert not HealthCheck.objects.exists()


def test_a_closed_review_cannot_change(client, carol, closed_review):
    client.force_login(carol)
    response = client.post(_url(closed_review), _form())
    assert response.status_code == 302
    assert not HealthCheck.objects.exists()


def test_it_shows_open_concerns_beside_their_principle(client, carol, open_review, concern):
    """The concern touches Proportionality (5); a closed one is not shown."""
    from partnerships.models import Concern

    Concern.objects.create(
        partnership=concern.partnership,
        organisation=concern.organisation,
        principle=concern.principle,
        raised_at=concern.raised_at,
        what_happened="Old news.",
        would_like="Nothing now.",
        visibility="partners",
        state="withdrawn",
        ended_at=concern.raised_at,
        acknowledge_by=concern.acknowledge_by,
        respond_by=concern.respond_by,
    )
    client.force_login(carol)
    response = client.get(
        reverse(
            "partnerships:health_check",
            kwargs={"code": open_review.partnership.code, "review_code": open_review.code},
        )
    )
    text = response.text
    assert 'data-testid="concerns-5"' in text and 'data-testid="concerns-1"' not in text
    assert text.count("Riverside Mind, raised 2 November 2026") == 1
