from django.urls import reverse

from partnerships.models import Assessment
from partnerships.services.assessments import Answer, assessment_save_principle, assessment_submit


def _url(assessment, name="partnerships:assessment_check", **extra):
    return reverse(
        name,
        kwargs={
            "code": assessment.review.partnership.code,
            "review_code": assessment.review.code,
            "assessment_code": assessment.code,
            **extra,
        },
    )


def _answer(assessment, by, numbers=range(1, 8), score=4, comment=""):
    for principle in assessment.review.framework.principles.filter(number__in=numbers):
        assessment_save_principle(
            assessment=assessment,
            principle=principle,
            answers={s.id: Answer(score, comment) for s in principle.statements.all()},
            expected_version=assessment.version,
            by=by,
        )


def test_it_works(client, alice, charity_assessment):
    _answer(charity_assessment, alice)
    _answer(charity_assessment, alice, numbers=[5], score=2, comment="Monthly reports for £5k")
    _answer(charity_assessment, alice, numbers=[6], score=None)
    client.force_login(alice)
    response = client.get(_url(charity_assessment))
    assert response.status_code == 200
    assert "Check your answers before submitting" in response.text
    assert response.text.count('<dl class="govuk-summary-list') == 7
    assert response.text.count('<div class="govuk-summary-list__row">') == 28
    assert "Monthly reports for £5k" in response.text
    assert "Don’t know" in response.text
    principle_5 = _url(charity_assessment, "partnerships:assessment_principle", number=5)
    statement = charity_assessment.review.framework.principles.get(number=5).statements.first()
    assert (
        f'<a class="govuk-link" href="{principle_5}?from=check#statement-{statement.id}">Change'
        f'<span class="govuk-visually-hidden"> your answer to statement 5.1: '
        f"{statement.text}</span></a>"
    ) in response.text.replace("&#x27;", "'")
    assert "Submit self-assessment" in response.text
    assert "Some statements are not answered yet" not in response.text


def test_it_hides_from_outsiders(client, dan, charity_assessment):
    client.force_login(dan)
    assert client.get(_url(charity_assessment)).status_code == 404


def test_it_hides_another_partners_assessment(client, carol, charity_assessment, icb):
    client.force_login(carol)
    assert client.get(_url(charity_assessment)).status_code == 404
    own = Assessment.objects.get(review=charity_assessment.review, organisation=icb)
    assert client.get(_url(own)).status_code == 200


def test_it_requires_role(client, alice, bob, charity_assessment):
    """A viewer reads every answer, with nothing to change or submit."""
    _answer(charity_assessment, alice)
    client.force_login(bob)
    response = client.get(_url(charity_assessment))
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Answers</h1>' in response.text
    assert "Only editors and admins of Riverside Mind" in response.text
    assert "Change<span" not in response.text
    assert "Submit self-assessment" not in response.text


def test_it_shows_what_is_not_answered(client, alice, charity_assessment):
    _answer(charity_assessment, alice, numbers=[1, 2])
    client.force_login(alice)
    response = client.get(_url(charity_assessment))
    assert response.text.count("Not answered") == 20
    assert "Some statements are not answered yet" in response.text


def test_a_submitted_assessment_is_read_only_for_editors_too(client, alice, charity_assessment):
    _answer(charity_assessment, alice)
    assessment_submit(assessment=charity_assessment, by=alice)
    client.force_login(alice)
    response = client.get(_url(charity_assessment))
    assert "submitted, so it is locked" in response.text
    assert "Change<span" not in response.text
    assert "Submit self-assessment" not in response.text
