"""Candour: the lead chooses who sees each organisation's answers when opening a review, and
every respondent is told before answering (docs/permissions.md, "Who sees whose answers")."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from organisations.models import Organisation
from partnerships.models import Participant, Rating, Review
from partnerships.services.reviews import review_open


def _open_url(partnership):
    return reverse("partnerships:review_open", kwargs={"code": partnership.code})


def _due():
    due = timezone.localdate() + datetime.timedelta(days=28)
    return {"due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year}


def grow(partnership, *, nhs=3, vcse=3, local_government=0):
    """Adds partners until each side holds the number given (the cast has one of each)."""
    kinds = {
        Organisation.Kind.NHS_TRUST: nhs - 1,
        Organisation.Kind.CHARITY: vcse - 1,
        Organisation.Kind.LOCAL_AUTHORITY: local_government,
    }
    for kind, count in kinds.items():
        for number in range(count):
            organisation = Organisation.objects.create(name=f"{kind.label} {number}", kind=kind)
            Participant.objects.create(
                partnership=partnership, organisation=organisation, role=Participant.Role.OTHER
            )
    return partnership


def test_a_small_partnership_is_not_offered_confidential_and_says_why(client, carol, partnership):
    client.force_login(carol)
    page = client.get(_open_url(partnership)).text
    assert 'name="visibility"' not in page
    assert "needs at least 3 organisations on each side taking part" in page
    assert "this partnership has 1 NHS and 1 VCSE" in page
    # A hand-made post for a confidential review opens an open one.
    client.post(_open_url(partnership), {**_due(), "visibility": "confidential"})
    assert Review.objects.get(partnership=partnership).visibility == "open"


def test_the_service_refuses_a_confidential_review_to_a_small_partnership(partnership, carol):
    with pytest.raises(ValidationError, match="at least 3 organisations"):
        review_open(
            partnership=partnership,
            by=carol,
            due_on=timezone.localdate(),
            visibility=Review.Visibility.CONFIDENTIAL,
        )
    assert not Review.objects.exists()


def test_the_lead_sees_each_mode_explained_and_chooses(client, carol, partnership):
    grow(partnership)
    client.force_login(carol)
    page = client.get(_open_url(partnership)).text
    assert 'name="visibility"' in page
    assert "Every partner sees each organisation’s scores with its name" in page
    assert "never another organisation’s own scores" in page
    response = client.post(_open_url(partnership), {**_due(), "visibility": "confidential"})
    assert response.status_code == 302
    assert Review.objects.get(partnership=partnership).visibility == "confidential"


def test_a_mode_that_is_not_offered_is_a_field_error(client, carol, partnership):
    grow(partnership)
    client.force_login(carol)
    response = client.post(_open_url(partnership), {**_due(), "visibility": "everyone"})
    assert response.status_code == 200
    assert "Select who sees each organisation’s answers" in response.text
    assert not Review.objects.exists()


def _assessment_urls(assessment):
    kwargs = {
        "code": assessment.review.partnership.code,
        "review_code": assessment.review.code,
        "assessment_code": assessment.code,
    }
    return [
        reverse("partnerships:assessment", kwargs=kwargs),
        reverse("partnerships:assessment_principle", kwargs={**kwargs, "number": 1}),
        reverse("partnerships:assessment_principle", kwargs={**kwargs, "number": 7}),
    ]


def test_the_task_list_and_every_principle_page_say_who_will_see_the_answers(
    client, alice, charity_assessment
):
    client.force_login(alice)
    for url in _assessment_urls(charity_assessment):
        page = client.get(url).text
        assert "every partner will see Riverside Mind’s scores with its name" in page, url
    Review.objects.filter(pk=charity_assessment.review_id).update(visibility="confidential")
    for url in _assessment_urls(charity_assessment):
        page = client.get(url).text
        assert "never Riverside Mind’s own scores" in page, url
        assert "“a VCSE partner”" in page, url
        assert "platform admins can see everything" in page, url


def test_each_comment_is_kept_within_the_organisation_unless_its_writer_shares_it(
    client, alice, charity_assessment
):
    client.force_login(alice)
    principle = charity_assessment.review.framework.principles.get(number=1)
    statements = list(principle.statements.all())
    data = {"version": 1, "intent": "later"}
    for statement in statements:
        data[f"score_{statement.id}"] = "2"
        data[f"comment_{statement.id}"] = f"Why {statement.order}"
    data[f"shared_{statements[0].id}"] = "on"
    response = client.post(_assessment_urls(charity_assessment)[1], data)
    assert response.status_code == 302
    shared = dict(
        Rating.objects.filter(assessment=charity_assessment).values_list(
            "statement__order", "comment_shared"
        )
    )
    assert shared == {s.order: s == statements[0] for s in statements}
    page = client.get(_assessment_urls(charity_assessment)[1]).text
    assert page.count('type="checkbox" value="on" checked') == 1
