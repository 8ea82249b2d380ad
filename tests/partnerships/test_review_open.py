import datetime

from django.urls import reverse
from django.utils import timezone

from partnerships.models import Assessment, Participant, Review


def _url(partnership):
    return reverse("partnerships:review_open", kwargs={"code": partnership.code})


def _due(days=28):
    due = timezone.localdate() + datetime.timedelta(days=days)
    return {"due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year}


def test_it_works(client, carol, partnership, icb, charity):
    client.force_login(carol)
    page = client.get(_url(partnership))
    assert "Riverside Mind" in page.text  # who will be asked
    response = client.post(_url(partnership), _due())
    review = Review.objects.get(partnership=partnership)
    assert response.status_code == 302
    assert review.is_open and review.opened_by == carol
    assert review.framework == partnership.framework
    assert review.due_on == timezone.localdate() + datetime.timedelta(days=28)
    assert set(review.assessments.values_list("organisation", flat=True)) == {icb.pk, charity.pk}
    assert set(review.assessments.values_list("state", flat=True)) == {"not_started"}


def test_it_suggests_four_weeks(client, carol, partnership):
    client.force_login(carol)
    due = timezone.localdate() + datetime.timedelta(weeks=4)
    assert f'value="{due.year}"' in client.get(_url(partnership)).text


def test_it_asks_only_current_partners(client, carol, partnership, charity):
    Participant.objects.filter(organisation=charity).update(left_on=timezone.localdate())
    client.force_login(carol)
    client.post(_url(partnership), _due())
    assert not Assessment.objects.filter(organisation=charity).exists()


def test_it_explains_why_a_second_review_cannot_open(client, carol, partnership, open_review):
    client.force_login(carol)
    page = client.get(_url(partnership))
    assert "A review is already open" in page.text
    client.post(_url(partnership), _due())
    assert partnership.reviews.count() == 1


def test_it_rejects_a_past_due_date(client, carol, partnership):
    client.force_login(carol)
    response = client.post(_url(partnership), _due(days=-1))
    assert "Assessments due must be today or in the future" in response.text
    assert not Review.objects.exists()


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    assert client.post(_url(partnership), _due()).status_code == 404
    assert not Review.objects.exists()


def test_it_requires_role(client, alice, bob, partnership):
    for person in (alice, bob):
        client.force_login(person)
        response = client.post(_url(partnership), _due())
        assert response.status_code == 403
        assert "Only editors and admins of the lead commissioner" in response.text
    assert not Review.objects.exists()
