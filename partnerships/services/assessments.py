"""Self-assessments: one organisation's answers to the framework's statements in a review."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from organisations.audit import audit, changes_between
from organisations.models import User
from partnerships.models import Assessment, Rating
from principles.models import COMMENT_REQUIRED_AT_OR_BELOW, Principle, Score, Statement

INCOMPLETE = "Rate every statement, or choose “Don't know”, before submitting."


class AssessmentConflict(Exception):
    """Someone saved the assessment after the form was rendered; nothing was written."""

    def __init__(self, current: Assessment):
        self.current = current
        super().__init__(
            f"Someone else at {current.organisation} saved this assessment while you were "
            "working on it. Your answers below have not been saved: check them against the "
            "latest and save again."
        )


@dataclass(frozen=True)
class Answer:
    score: int | None  # None is "Don't know": answered, not scored
    comment: str = ""
    # The writer's choice: share the comment with the partners, or keep it within the
    # organisation (docs/permissions.md, "Who sees whose answers").
    comment_shared: bool = False


class Progress(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


def statement_ref(statement: Statement) -> str:
    """How pages and messages name a statement: "3.2" is the second statement of principle 3."""
    return f"{statement.principle.number}.{statement.order}"


SCORE_LABELS = dict(Score.choices)


@dataclass
class Row:
    """One statement and the organisation's rating of it, if any."""

    statement: Statement
    rating: Rating | None

    @property
    def ref(self) -> str:
        return statement_ref(self.statement)

    @property
    def answer(self) -> str | None:
        """The answer in words; None when the statement is not answered."""
        if self.rating is None:
            return None
        if self.rating.score is None:
            return "Don’t know"
        return SCORE_LABELS[self.rating.score]


@dataclass
class Section:
    """One principle of an assessment, with a row per statement."""

    principle: Principle
    rows: list[Row]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def answered(self) -> int:
        return sum(row.rating is not None for row in self.rows)

    @property
    def unanswered(self) -> int:
        return self.total - self.answered

    @property
    def status(self) -> Progress:
        if self.answered == 0:
            return Progress.NOT_STARTED
        if self.answered < self.total:
            return Progress.IN_PROGRESS
        return Progress.COMPLETED

    @property
    def is_complete(self) -> bool:
        return self.status == Progress.COMPLETED


def _section(principle: Principle, ratings: dict[int, Rating]) -> Section:
    rows = []
    for statement in principle.statements.all():
        statement.principle = principle  # statement_ref() without a query per row
        rows.append(Row(statement=statement, rating=ratings.get(statement.id)))
    return Section(principle=principle, rows=rows)


def assessment_sections(assessment: Assessment) -> list[Section]:
    """Every principle of the review's framework with this assessment's answers.

    Three queries whatever the size of the framework; the task list, check answers and
    (once a review closes) the results read from here.
    """
    principles = Principle.objects.filter(
        framework_id=assessment.review.framework_id
    ).prefetch_related("statements")
    ratings = {rating.statement_id: rating for rating in assessment.ratings.all()}
    return [_section(principle, ratings) for principle in principles]


def principle_section(assessment: Assessment, principle: Principle) -> Section:
    """One principle's statements with this assessment's answers."""
    ratings = assessment.ratings.filter(statement__principle=principle)
    return _section(principle, {rating.statement_id: rating for rating in ratings})


def _check_answers(principle: Principle, answers: Mapping[int, Answer]) -> dict[int, Statement]:
    statements = {statement.id: statement for statement in principle.statements.all()}
    strangers = set(answers) - set(statements)
    if strangers:
        raise ValueError(f"Statements {sorted(strangers)} are not in principle {principle}.")
    for statement_id, answer in answers.items():
        statement = statements[statement_id]
        statement.principle = principle
        if answer.score is not None and not 1 <= answer.score <= 5:
            raise ValidationError(f"Statement {statement_ref(statement)} needs a rating of 1 to 5.")
        if (
            answer.score is not None
            and answer.score <= COMMENT_REQUIRED_AT_OR_BELOW
            and not answer.comment.strip()
        ):
            raise ValidationError(
                f"Enter a comment for statement {statement_ref(statement)}: a comment is "
                "needed when you strongly disagree or disagree."
            )
    return statements


@transaction.atomic
def assessment_save_principle(
    *,
    assessment: Assessment,
    principle: Principle,
    answers: Mapping[int, Answer],
    expected_version: int,
    by: User,
) -> Assessment:
    """Saves one principle's answers, keyed by statement id; a statement left out has no row.

    The save is refused with AssessmentConflict when the assessment is no longer at
    `expected_version`, the version the person's form was rendered from.
    """
    if principle.framework_id != assessment.review.framework_id:
        raise ValueError(f"{principle} is not in this review's framework.")
    if not assessment.review.is_open:
        raise ValidationError("This review has closed, so its assessments can no longer change.")
    statements = _check_answers(principle, answers)

    # The conditional UPDATE takes the row lock, so of two saves from one version, the
    # second waits for the first to commit and then matches no row.
    claimed = (
        Assessment.objects.filter(pk=assessment.pk, version=expected_version)
        .exclude(state=Assessment.State.SUBMITTED)
        .update(version=F("version") + 1, state=Assessment.State.IN_PROGRESS)
    )
    if not claimed:
        current = Assessment.objects.select_related("organisation").get(pk=assessment.pk)
        if current.state == Assessment.State.SUBMITTED:
            raise ValidationError(
                "This self-assessment has been submitted, so it is locked. "
                "Ask the lead commissioner if something needs to change."
            )
        raise AssessmentConflict(current)

    before = _answer_values(
        statements,
        {
            rating.statement_id: Answer(rating.score, rating.comment, rating.comment_shared)
            for rating in assessment.ratings.filter(statement_id__in=statements)
        },
    )
    Rating.objects.bulk_create(
        [
            Rating(
                assessment=assessment,
                statement_id=statement_id,
                score=answer.score,
                comment=answer.comment.strip(),
                comment_shared=answer.comment_shared and bool(answer.comment.strip()),
            )
            for statement_id, answer in answers.items()
        ],
        update_conflicts=True,
        unique_fields=["assessment", "statement"],
        update_fields=["score", "comment", "comment_shared"],
    )
    assessment.ratings.filter(statement_id__in=statements).exclude(
        statement_id__in=answers
    ).delete()
    assessment.refresh_from_db(fields=["version", "state"])
    after = _answer_values(
        statements,
        {
            statement_id: Answer(
                answer.score,
                answer.comment.strip(),
                answer.comment_shared and bool(answer.comment.strip()),
            )
            for statement_id, answer in answers.items()
        },
    )
    audit(
        by,
        "assessment.saved",
        assessment,
        organisation=assessment.organisation,
        changes={
            "principle": principle.number,
            "version": [expected_version, assessment.version],
            **changes_between(before, after),
        },
    )
    return assessment


def _answer_values(statements: dict[int, Statement], answers: Mapping[int, Answer]) -> dict:
    """{"3.2": score, "3.2 comment": text} for every statement, for the audit trail.

    A statement not answered is None, so removing an answer shows as a change to None.
    """
    values = {}
    for statement_id, statement in statements.items():
        answer = answers.get(statement_id)
        ref = statement_ref(statement)
        if answer is None:
            values[ref] = values[f"{ref} comment"] = None
        else:
            values[ref] = "don't know" if answer.score is None else answer.score
            values[f"{ref} comment"] = answer.comment or None
            values[f"{ref} comment shared"] = answer.comment_shared
    return values


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by: User) -> Assessment:
    """Locks the assessment: the organisation's answers are in."""
    # Locking the row makes a save in flight either land first or find the assessment locked.
    assessment.refresh_from_db(from_queryset=Assessment.objects.select_for_update())
    if assessment.state == Assessment.State.SUBMITTED:
        raise ValidationError("This self-assessment has already been submitted.")
    if not assessment.review.is_open:
        raise ValidationError("This review has closed, so its assessments can no longer change.")
    missing = [section for section in assessment_sections(assessment) if not section.is_complete]
    if missing:
        raise ValidationError(
            [INCOMPLETE]
            + [
                f"{section.principle}: {section.unanswered} of {section.total} "
                f"statements not answered"
                for section in missing
            ]
        )
    state, version = assessment.state, assessment.version
    assessment.state = Assessment.State.SUBMITTED
    assessment.submitted_by, assessment.submitted_at = by, timezone.now()
    assessment.version = F("version") + 1
    assessment.save(update_fields=["state", "submitted_by", "submitted_at", "version"])
    assessment.refresh_from_db(fields=["version"])
    audit(
        by,
        "assessment.submitted",
        assessment,
        organisation=assessment.organisation,
        changes=changes_between(
            {"state": state, "version": version},
            {"state": assessment.state, "version": assessment.version},
        ),
    )
    return assessment
