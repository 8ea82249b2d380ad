"""Reviews: opened, health-checked and closed by the lead commissioner."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organisations.audit import audit, changes_between
from organisations.models import User
from partnerships.models import (
    Assessment,
    HealthCheck,
    HealthCheckEntry,
    Partnership,
    Review,
)
from partnerships.results import review_result_store
from partnerships.services import acting_organisation
from partnerships.services.reminders import notify_results_published, notify_review_opened
from partnerships.withholding import confidential_refused


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month, `months` later; the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@transaction.atomic
def review_open(
    *,
    partnership: Partnership,
    by: User,
    due_on: datetime.date,
    visibility: str = Review.Visibility.OPEN,
) -> Review:
    """Opens a review and gives every current partner an assessment to complete.

    A confidential review needs enough organisations on each side
    (withholding.confidential_refused); its visibility is fixed from then on.
    """
    if visibility not in Review.Visibility.values:
        raise ValueError(f"Unknown visibility {visibility!r}.")
    # Lock the partnership so two commissioners opening at once queue here, not at the
    # constraint; the partial unique constraint still guards everything else.
    Partnership.objects.select_for_update().get(pk=partnership.pk)
    if partnership.reviews.filter(state=Review.State.OPEN).exists():
        raise ValidationError(
            "This partnership already has an open review. Close it before opening another."
        )
    if visibility == Review.Visibility.CONFIDENTIAL:
        refused = confidential_refused(partnership)
        if refused:
            raise ValidationError(refused)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                partnership=partnership,
                framework=partnership.framework,
                opened_by=by,
                opened_on=timezone.localdate(),
                due_on=due_on,
                visibility=visibility,
            )
    except IntegrityError:
        raise ValidationError(
            "This partnership already has an open review. Close it before opening another."
        ) from None
    assessments = Assessment.objects.bulk_create(
        Assessment(review=review, organisation_id=organisation_id)
        for organisation_id in partnership.participants.filter(left_on__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )
    audit(
        by,
        "review.opened",
        review,
        organisation=acting_organisation(by, partnership),
        changes={
            **changes_between(
                {},
                {"opened_on": review.opened_on, "due_on": due_on, "visibility": visibility},
            ),
            "assessments": len(assessments),
        },
    )
    notify_review_opened(review=review)
    return review


def _require_open(review: Review) -> None:
    if not review.is_open:
        raise ValidationError("This review has closed, so it can no longer change.")


@transaction.atomic
def health_check_save(
    *,
    review: Review,
    by: User,
    entries: dict[int, tuple[str, str]],
    serious_concern: bool,
    summary: str,
) -> HealthCheck:
    """Records the lead commissioner's red/amber/green and comment for each principle."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_open(review)
    before = _health_check_values(review)
    health_check, _ = HealthCheck.objects.update_or_create(
        review=review, defaults={"serious_concern": serious_concern, "recorded_by": by}
    )
    principles = {p.number: p for p in review.partnership.framework.principles.all()}
    # One read, one insert and one update whatever the number of principles; the review's
    # row lock above keeps two saves from racing between the read and the writes.
    existing = {entry.principle_id: entry for entry in health_check.entries.all()}
    new, changed = [], []
    for number, (rag, comment) in entries.items():
        principle = principles[number]
        entry = existing.get(principle.pk)
        if entry is None:
            new.append(
                HealthCheckEntry(
                    health_check=health_check, principle=principle, rag=rag, comment=comment
                )
            )
        elif (entry.rag, entry.comment) != (rag, comment):
            entry.rag, entry.comment = rag, comment
            changed.append(entry)
    HealthCheckEntry.objects.bulk_create(new)
    HealthCheckEntry.objects.bulk_update(changed, ["rag", "comment"])
    if review.summary != summary:
        review.summary = summary
        review.save(update_fields=["summary", "updated_at"])
    after = {"serious_concern": serious_concern, "summary": summary}
    for number, (rag, comment) in entries.items():
        after[f"rag_{number}"], after[f"comment_{number}"] = rag, comment
    audit(
        by,
        "health_check.saved",
        health_check,
        organisation=acting_organisation(by, review.partnership),
        changes=changes_between(before, after),
    )
    return health_check


def _health_check_values(review: Review) -> dict:
    """The health check as it stands, keyed like its form's fields, for the audit trail."""
    values = {"summary": review.summary}
    health_check = HealthCheck.objects.filter(review=review).first()
    if health_check is not None:
        values["serious_concern"] = health_check.serious_concern
        for number, rag, comment in health_check.entries.values_list(
            "principle__number", "rag", "comment"
        ):
            values[f"rag_{number}"], values[f"comment_{number}"] = rag, comment
    return values


@transaction.atomic
def review_close(*, review: Review, by: User, overall_rag: str) -> Review:
    """Closes the review, storing and publishing its result, and moves the next review date on."""
    review = Review.objects.select_for_update().select_related("partnership").get(pk=review.pk)
    _require_open(review)
    if not HealthCheck.objects.filter(review=review).exists():
        raise ValidationError("Record the health check before closing the review.")
    today = timezone.localdate()
    review.state, review.overall_rag = Review.State.CLOSED, overall_rag
    review.closed_by, review.closed_on = by, today
    review.save(update_fields=["state", "overall_rag", "closed_by", "closed_on", "updated_at"])
    # Its assessments are locked and its framework frozen from now: the result is final.
    review_result_store(review)
    partnership = review.partnership
    next_review_due = partnership.next_review_due
    partnership.next_review_due = add_months(today, partnership.review_frequency_months)
    partnership.save(update_fields=["next_review_due", "updated_at"])
    audit(
        by,
        "review.closed",
        review,
        organisation=acting_organisation(by, partnership),
        changes=changes_between(
            {"state": Review.State.OPEN, "overall_rag": "", "next_review_due": next_review_due},
            {
                "state": review.state,
                "overall_rag": overall_rag,
                "closed_on": today,
                "next_review_due": partnership.next_review_due,
            },
        ),
    )
    notify_results_published(review=review)
    return review
