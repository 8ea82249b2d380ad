import re

from django.urls import reverse

from partnerships.models import Assessment
from partnerships.services.assessments import Answer, assessment_save_principle, assessment_submit


def _url(assessment):
    return reverse(
        "partnerships:assessment",
        kwargs={
            "code": assessment.review.partnership.code,
            "review_code": assessment.review.code,
            "assessment_code": assessment.code,
        },
    )


def _save(assessment, number, by, how_many=4):
    principle = assessment.review.framework.principles.get(number=number)
    statements = list(principle.statements.all())[:how_many]
    assessment_save_principle(
        assessment=assessment,
        principle=principle,
        answers={s.id: Answer(4) for s in statements},
        expected_version=assessment.version,
        by=by,
    )


def _status(html, number):
    found = re.search(rf'id="principle-{number}-status">\s*(.*?)\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_it_works(client, alice, charity_assessment):
    client.force_login(alice)
    response = client.get(_url(charity_assessment))
    assert response.status_code == 200
    for name in ["1. Sustainability", "5. Proportionality", "7. Accountability and governance"]:
        assert name in response.text
    assert [_status(response.text, n) for n in range(1, 8)] == ["Not started"] * 7
    assert "You have completed 0 of 7 principles." in response.text
    assert "Riverside Partnership – Riverside Mind" in response.text
    assert response.text.count("<h1") == 1


def test_it_hides_from_outsiders(client, dan, charity_assessment):
    client.force_login(dan)
    assert client.get(_url(charity_assessment)).status_code == 404


def test_it_hides_another_partners_assessment(client, carol, charity_assessment, icb):
    client.force_login(carol)
    assert client.get(_url(charity_assessment)).status_code == 404
    own = Assessment.objects.get(review=charity_assessment.review, organisation=icb)
    assert client.get(_url(own)).status_code == 200


def test_it_requires_role(client, bob, charity_assessment):
    """The task list only reads; a viewer is told why there is nothing to change."""
    client.force_login(bob)
    response = client.get(_url(charity_assessment))
    assert response.status_code == 200
    assert "Only editors and admins of Riverside Mind can change its self-assessment" in (
        response.text
    )
    assert "See every answer on one page" in response.text
    assert "Check your answers so far" not in response.text


def test_the_status_moves_from_not_started_to_in_progress_to_completed(
    client, alice, charity_assessment
):
    client.force_login(alice)
    _save(charity_assessment, 1, alice, how_many=2)
    assert _status(client.get(_url(charity_assessment)).text, 1) == "In progress"
    _save(charity_assessment, 1, alice)
    response = client.get(_url(charity_assessment))
    assert _status(response.text, 1) == "Completed"
    assert _status(response.text, 2) == "Not started"
    assert "You have completed 1 of 7 principles." in response.text


def test_it_offers_check_answers_when_every_principle_is_completed(
    client, alice, charity_assessment
):
    for number in range(1, 8):
        _save(charity_assessment, number, alice)
    client.force_login(alice)
    response = client.get(_url(charity_assessment))
    assert "Every principle is completed. Check your answers, then submit them." in response.text
    assert 'class="govuk-button" data-module="govuk-button">Check your answers</a>' in (
        response.text
    )


def test_a_submitted_assessment_says_who_submitted_it_and_when(client, alice, charity_assessment):
    for number in range(1, 8):
        _save(charity_assessment, number, alice)
    assessment_submit(assessment=charity_assessment, by=alice)
    client.force_login(alice)
    response = client.get(_url(charity_assessment))
    local = charity_assessment.submitted_at.astimezone()
    assert f"Submitted by Alice on {local:%-d %B %Y}" in response.text
    assert "submitted, so it is locked" in response.text
    assert "Check your answers" not in response.text


def test_it_pins_its_query_count(client, alice, charity_assessment, django_assert_num_queries):
    _save(charity_assessment, 1, alice)
    client.force_login(alice)
    url = _url(charity_assessment)
    # User, partnership, review, assessment, principles, statements, ratings, the role check
    # and the menu's (the session was kept at sign-in): the same however many principles and
    # answers there are.
    with django_assert_num_queries(9):
        client.get(url)
