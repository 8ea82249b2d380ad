from django.urls import reverse
from django.utils import timezone

from partnerships.models import Assessment
from partnerships.services.assessments import Answer, assessment_save_principle


def _url(assessment, name="partnerships:assessment_submit", **extra):
    return reverse(
        name,
        kwargs={
            "code": assessment.review.partnership.code,
            "review_code": assessment.review.code,
            "assessment_code": assessment.code,
            **extra,
        },
    )


def _answer(assessment, by, numbers=range(1, 8)):
    for principle in assessment.review.framework.principles.filter(number__in=numbers):
        assessment_save_principle(
            assessment=assessment,
            principle=principle,
            answers={s.id: Answer(4) for s in principle.statements.all()},
            expected_version=assessment.version,
            by=by,
        )


def _state(assessment):
    assessment.refresh_from_db()
    return assessment.state


def test_it_works(client, alice, charity_assessment):
    _answer(charity_assessment, alice)
    client.force_login(alice)
    before = timezone.now()
    response = client.post(_url(charity_assessment))
    assert response.status_code == 302
    assert response.url == _url(charity_assessment, "partnerships:assessment")
    charity_assessment.refresh_from_db()
    assert charity_assessment.state == Assessment.State.SUBMITTED
    assert charity_assessment.submitted_by == alice
    assert before <= charity_assessment.submitted_at <= timezone.now()
    confirmation = client.get(response.url)
    assert "Riverside Mind’s self-assessment is submitted." in confirmation.text
    assert "govuk-notification-banner--success" in confirmation.text


def test_it_rejects_get(client, alice, charity_assessment):
    _answer(charity_assessment, alice)
    client.force_login(alice)
    assert client.get(_url(charity_assessment)).status_code == 405
    assert _state(charity_assessment) == Assessment.State.IN_PROGRESS


def test_it_hides_from_outsiders(client, dan, alice, charity_assessment):
    _answer(charity_assessment, alice)
    client.force_login(dan)
    assert client.post(_url(charity_assessment)).status_code == 404
    assert _state(charity_assessment) == Assessment.State.IN_PROGRESS


def test_it_hides_another_partners_assessment(client, carol, alice, charity_assessment):
    _answer(charity_assessment, alice)
    client.force_login(carol)
    assert client.post(_url(charity_assessment)).status_code == 404
    assert _state(charity_assessment) == Assessment.State.IN_PROGRESS


def test_it_requires_role(client, bob, alice, charity_assessment):
    _answer(charity_assessment, alice)
    client.force_login(bob)
    response = client.post(_url(charity_assessment))
    assert response.status_code == 403
    assert "Only editors and admins of Riverside Mind" in response.text
    assert _state(charity_assessment) == Assessment.State.IN_PROGRESS


def test_an_incomplete_assessment_is_refused_with_what_is_missing(
    client, alice, charity_assessment
):
    _answer(charity_assessment, alice, numbers=[1, 2, 3, 4, 5])
    client.force_login(alice)
    response = client.post(_url(charity_assessment))
    assert response.status_code == 200
    text = response.text.replace("&#x27;", "'")
    assert "<title>Error: " in text
    assert "Rate every statement, or choose “Don't know”, before submitting." in text
    principle_6 = _url(charity_assessment, "partnerships:assessment_principle", number=6)
    assert (
        f'<a href="{principle_6}">6. Innovation and improvement: 4 of 4 statements not answered</a>'
    ) in text
    assert "7. Accountability and governance: 4 of 4 statements not answered" in text
    assert "1. Sustainability: " not in text
    charity_assessment.refresh_from_db()
    assert (charity_assessment.state, charity_assessment.submitted_at) == ("in_progress", None)


def test_submitting_locks_the_assessment(client, alice, charity_assessment):
    _answer(charity_assessment, alice)
    client.force_login(alice)
    client.post(_url(charity_assessment))
    principle = charity_assessment.review.framework.principles.get(number=1)
    statement = principle.statements.first()
    principle_url = _url(charity_assessment, "partnerships:assessment_principle", number=1)
    response = client.post(
        principle_url, {"version": "9", "intent": "later", f"score_{statement.id}": "1"}
    )
    assert response.status_code == 403
    assert "submitted, so it is locked" in response.text
    assert client.post(_url(charity_assessment)).status_code == 403
    assert list(charity_assessment.ratings.values_list("score", flat=True)) == [4] * 28


def test_a_closed_review_cannot_be_submitted_to(client, alice, closed_review, charity):
    assessment = Assessment.objects.create(review=closed_review, organisation=charity)
    client.force_login(alice)
    response = client.post(_url(assessment))
    assert response.status_code == 403
    assert "This review has closed" in response.text
    assert _state(assessment) == Assessment.State.NOT_STARTED
