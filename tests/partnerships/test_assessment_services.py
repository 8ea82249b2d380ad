import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnerships.models import Assessment, Rating
from partnerships.services.assessments import (
    INCOMPLETE,
    Answer,
    AssessmentConflict,
    Progress,
    assessment_save_principle,
    assessment_sections,
    assessment_submit,
)


def _principle(assessment, number):
    return assessment.review.framework.principles.get(number=number)


def _all(principle, score=4, comment=""):
    return {s.id: Answer(score, comment) for s in principle.statements.all()}


def _save(assessment, principle, answers, by, version=None):
    return assessment_save_principle(
        assessment=assessment,
        principle=principle,
        answers=answers,
        expected_version=assessment.version if version is None else version,
        by=by,
    )


def _answer_everything(assessment, by):
    for principle in assessment.review.framework.principles.all():
        _save(assessment, principle, _all(principle), by)


def test_saving_a_principle_writes_its_ratings_and_starts_the_assessment(charity_assessment, alice):
    principle = _principle(charity_assessment, 1)
    _save(charity_assessment, principle, _all(principle, score=5), alice)
    assert charity_assessment.ratings.filter(score=5).count() == 4
    charity_assessment.refresh_from_db()
    assert charity_assessment.state == Assessment.State.IN_PROGRESS
    assert charity_assessment.version == 2


def test_saving_again_updates_the_rows_in_place(charity_assessment, alice):
    principle = _principle(charity_assessment, 1)
    _save(charity_assessment, principle, _all(principle, score=5), alice)
    _save(charity_assessment, principle, _all(principle, score=1, comment="No time given"), alice)
    ratings = charity_assessment.ratings.all()
    assert [(r.score, r.comment) for r in ratings] == [(1, "No time given")] * 4
    assert charity_assessment.version == 3


def test_unanswered_statements_have_no_row(charity_assessment, alice):
    principle = _principle(charity_assessment, 2)
    first, second, *_ = principle.statements.all()
    _save(charity_assessment, principle, {first.id: Answer(4), second.id: Answer(3)}, alice)
    assert set(charity_assessment.ratings.values_list("statement", flat=True)) == {
        first.id,
        second.id,
    }
    # The page is the truth for its principle: a statement left out loses its old answer.
    _save(charity_assessment, principle, {first.id: Answer(4)}, alice)
    assert list(charity_assessment.ratings.values_list("statement", flat=True)) == [first.id]


def test_dont_know_is_saved_as_no_score(charity_assessment, alice):
    principle = _principle(charity_assessment, 3)
    _save(charity_assessment, principle, _all(principle, score=None), alice)
    assert list(charity_assessment.ratings.values_list("score", flat=True)) == [None] * 4


def test_a_low_rating_needs_a_comment(charity_assessment, alice):
    principle = _principle(charity_assessment, 1)
    with pytest.raises(ValidationError, match=r"Enter a comment for statement 1\.1"):
        _save(charity_assessment, principle, _all(principle, score=2, comment="  "), alice)
    assert not charity_assessment.ratings.exists()
    charity_assessment.refresh_from_db()
    assert charity_assessment.version == 1


def test_it_refuses_statements_of_another_principle(charity_assessment, alice):
    answers = _all(_principle(charity_assessment, 2))
    with pytest.raises(ValueError, match="not in principle"):
        _save(charity_assessment, _principle(charity_assessment, 1), answers, alice)
    assert not charity_assessment.ratings.exists()


def test_a_stale_version_is_refused_and_nothing_is_overwritten(charity_assessment, alice, bob):
    principle = _principle(charity_assessment, 1)
    other_tab = Assessment.objects.get(pk=charity_assessment.pk)
    _save(other_tab, principle, _all(principle, score=5), alice, version=1)
    with pytest.raises(AssessmentConflict) as conflict:
        _save(charity_assessment, principle, _all(principle, score=3), alice, version=1)
    assert str(conflict.value).startswith(
        "Someone else at Riverside Mind saved this assessment while you were working on it."
    )
    assert conflict.value.current.version == 2
    assert list(charity_assessment.ratings.values_list("score", flat=True)) == [5] * 4
    # A save from the version the conflict reported goes through.
    _save(charity_assessment, principle, _all(principle, score=3), alice, version=2)
    assert list(charity_assessment.ratings.values_list("score", flat=True)) == [3] * 4


def test_a_submitted_assessment_cannot_be_saved(charity_assessment, alice):
    _answer_everything(charity_assessment, alice)
    assessment_submit(assessment=charity_assessment, by=alice)
    principle = _principle(charity_assessment, 1)
    with pytest.raises(ValidationError, match="submitted, so it is locked"):
        _save(charity_assessment, principle, _all(principle, score=1, comment="x"), alice)
    assert not Rating.objects.filter(score=1).exists()


def test_a_closed_review_cannot_be_saved(closed_review, charity, alice):
    assessment = Assessment.objects.create(review=closed_review, organisation=charity)
    principle = _principle(assessment, 1)
    with pytest.raises(ValidationError, match="review has closed"):
        _save(assessment, principle, _all(principle), alice)
    assert not assessment.ratings.exists()


def test_submitting_an_incomplete_assessment_says_what_is_missing(charity_assessment, alice):
    principle = _principle(charity_assessment, 1)
    first = principle.statements.first()
    _save(charity_assessment, principle, {first.id: Answer(4)}, alice)
    with pytest.raises(ValidationError) as refusal:
        assessment_submit(assessment=charity_assessment, by=alice)
    messages = refusal.value.messages
    assert messages[0] == INCOMPLETE
    assert "1. Sustainability: 3 of 4 statements not answered" in messages
    assert "7. Accountability and governance: 4 of 4 statements not answered" in messages
    charity_assessment.refresh_from_db()
    assert charity_assessment.state == Assessment.State.IN_PROGRESS
    assert charity_assessment.submitted_at is None


def test_submitting_locks_it_and_records_who_and_when(charity_assessment, alice):
    _answer_everything(charity_assessment, alice)
    before = timezone.now()
    assessment_submit(assessment=charity_assessment, by=alice)
    charity_assessment.refresh_from_db()
    assert charity_assessment.state == Assessment.State.SUBMITTED
    assert charity_assessment.submitted_by == alice
    assert before <= charity_assessment.submitted_at <= timezone.now()
    assert charity_assessment.version == 9  # seven saves and the submission
    with pytest.raises(ValidationError, match="already been submitted"):
        assessment_submit(assessment=charity_assessment, by=alice)


def test_a_save_from_before_the_submission_is_refused_as_locked(charity_assessment, alice):
    _answer_everything(charity_assessment, alice)
    stale = charity_assessment.version
    assessment_submit(assessment=charity_assessment, by=alice)
    principle = _principle(charity_assessment, 1)
    with pytest.raises(ValidationError, match="locked"):
        _save(charity_assessment, principle, _all(principle, score=5), alice, version=stale)


def test_sections_report_progress_per_principle(charity_assessment, alice):
    one, two = _principle(charity_assessment, 1), _principle(charity_assessment, 2)
    _save(charity_assessment, one, _all(one), alice)
    _save(charity_assessment, two, {two.statements.first().id: Answer(None)}, alice)
    sections = assessment_sections(charity_assessment)
    assert [s.status for s in sections] == [
        Progress.COMPLETED,
        Progress.IN_PROGRESS,
        *[Progress.NOT_STARTED] * 5,
    ]
    assert (sections[1].answered, sections[1].total) == (1, 4)
    assert sections[1].rows[0].answer == "Don’t know"
    assert sections[0].rows[0].answer == "Agree"
    assert sections[0].rows[2].ref == "1.3"


def test_sections_cost_three_queries(charity_assessment, alice, django_assert_num_queries):
    charity_assessment.review  # noqa: B018 - loaded, as the views load it
    with django_assert_num_queries(3):  # principles, their statements, the ratings
        assessment_sections(charity_assessment)
