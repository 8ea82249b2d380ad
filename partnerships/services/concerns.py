"""Concerns between reviews: raised by a partner, answered by the lead commissioner.

raised → acknowledged → responded → closed (by the raiser, satisfied or not), or withdrawn
by the raiser while open. Each step is audited and emailed once to the other side through
the reminder log; the sweep escalates a concern whose deadline passes
(services/reminders.py).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organisations.audit import audit
from organisations.models import Membership, Organisation, User
from partnerships import working_days
from partnerships.models import Concern, Participant, Partnership, Review
from partnerships.services.reminders import notify_concern
from principles.models import Principle

EDITING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def raising_organisations(*, user: User, partnership: Partnership):
    """The current partners of the partnership the user edits for: they may raise a concern."""
    return Organisation.objects.filter(
        participations__partnership=partnership,
        participations__left_on__isnull=True,
        memberships__user=user,
        memberships__role__in=EDITING_ROLES,
    ).order_by("name")


def deadlines(
    *, partnership: Partnership, organisation: Organisation, raised_on: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """(acknowledge by, respond by), in working days of the nations involved."""
    nations = working_days.nations_of(partnership.icb, organisation)
    return (
        working_days.add_working_days(raised_on, settings.CONCERN_ACKNOWLEDGE_DAYS, nations),
        working_days.add_working_days(raised_on, settings.CONCERN_RESPOND_DAYS, nations),
    )


def _locked(concern: Concern) -> Concern:
    """The concern's row, locked, so two people acting at once take turns."""
    return Concern.objects.select_for_update().get(pk=concern.pk)


def _moved_on(concern: Concern, allowed, message: str) -> None:
    if concern.state not in allowed:
        raise ValidationError(message)


@transaction.atomic
def concern_raise(
    *,
    partnership: Partnership,
    organisation: Organisation,
    by: User,
    principle: Principle | None,
    what_happened: str,
    would_like: str,
    visibility: str,
) -> Concern:
    if (
        not raising_organisations(user=by, partnership=partnership)
        .filter(pk=organisation.pk)
        .exists()
    ):
        raise ValidationError(
            {"organisation": f"You do not edit for {organisation} in this partnership"}
        )
    if principle is not None and principle.framework_id != partnership.framework_id:
        raise ValidationError({"principle": "Select one of this partnership’s principles"})
    if visibility not in Concern.Visibility.values:
        raise ValidationError({"visibility": "Select who may see the concern"})
    errors = {}
    if not what_happened.strip():
        errors["what_happened"] = "Enter what happened"
    if not would_like.strip():
        errors["would_like"] = "Enter what you would like to happen"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    acknowledge_by, respond_by = deadlines(
        partnership=partnership, organisation=organisation, raised_on=timezone.localdate(now)
    )
    concern = Concern.objects.create(
        partnership=partnership,
        organisation=organisation,
        raised_by=by,
        raised_at=now,
        principle=principle,
        what_happened=what_happened.strip(),
        would_like=would_like.strip(),
        visibility=visibility,
        acknowledge_by=acknowledge_by,
        respond_by=respond_by,
    )
    audit(
        by,
        "concern.raised",
        concern,
        organisation=organisation,
        changes={
            "principle": principle.name if principle else None,
            "visibility": visibility,
            "acknowledge_by": str(acknowledge_by),
            "respond_by": str(respond_by),
        },
    )
    notify_concern(concern=concern, kind="concern_raised", period_key="raised")
    return concern


def lead_organisation(partnership: Partnership) -> Organisation | None:
    lead = (
        Participant.objects.filter(
            partnership=partnership,
            role=Participant.Role.LEAD_COMMISSIONER,
            left_on__isnull=True,
        )
        .select_related("organisation")
        .first()
    )
    return lead.organisation if lead else None


@transaction.atomic
def concern_acknowledge(*, concern: Concern, by: User) -> Concern:
    concern = _locked(concern)
    _moved_on(concern, [Concern.State.RAISED], "This concern has already been acknowledged.")
    concern.state = Concern.State.ACKNOWLEDGED
    concern.acknowledged_by, concern.acknowledged_at = by, timezone.now()
    concern.save(update_fields=["state", "acknowledged_by", "acknowledged_at"])
    audit(
        by,
        "concern.acknowledged",
        concern,
        organisation=lead_organisation(concern.partnership),
        changes={"state": [Concern.State.RAISED, concern.state]},
    )
    notify_concern(concern=concern, kind="concern_acknowledged", period_key="acknowledged")
    return concern


@transaction.atomic
def concern_respond(*, concern: Concern, by: User, response: str) -> Concern:
    """The lead commissioner's answer; acknowledges the concern too if it was not yet."""
    concern = _locked(concern)
    _moved_on(
        concern,
        Concern.WAITING_FOR_LEAD,
        "This concern has already been answered, closed or withdrawn.",
    )
    if not response.strip():
        raise ValidationError({"response": "Enter your response"})
    now = timezone.now()
    was = concern.state
    fields = ["state", "response", "responded_by", "responded_at"]
    fields += ["responded_in_time", "days_to_respond"]
    if concern.acknowledged_at is None:
        concern.acknowledged_by, concern.acknowledged_at = by, now
        fields += ["acknowledged_by", "acknowledged_at"]
    concern.state = Concern.State.RESPONDED
    concern.response, concern.responded_by, concern.responded_at = response.strip(), by, now
    # Worked out once, here: the reports count and average the stored figures.
    answered_on = timezone.localdate(now)
    concern.responded_in_time = answered_on <= concern.respond_by
    concern.days_to_respond = (answered_on - timezone.localdate(concern.raised_at)).days
    concern.save(update_fields=fields)
    audit(
        by,
        "concern.responded",
        concern,
        organisation=lead_organisation(concern.partnership),
        changes={"state": [was, concern.state], "in_time": concern.responded_in_time},
    )
    notify_concern(concern=concern, kind="concern_responded", period_key="responded")
    return concern


@transaction.atomic
def concern_close(
    *, concern: Concern, by: User, outcome: str, note: str, escalate: bool = False
) -> Concern:
    """The raiser closes an answered concern, satisfied or not, with a sentence; one not
    satisfied can be escalated to the ICB's VCSE partnership lead and platform admins."""
    concern = _locked(concern)
    _moved_on(
        concern,
        [Concern.State.RESPONDED],
        "A concern can be closed once the lead commissioner has answered it.",
    )
    errors = {}
    if outcome not in Concern.Outcome.values:
        errors["outcome"] = "Select whether you are satisfied with the response"
    if not note.strip():
        errors["note"] = "Enter a sentence saying why"
    if escalate and outcome != Concern.Outcome.NOT_SATISFIED:
        errors["escalate"] = "Only a concern closed as not satisfied can be escalated"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    concern.state, concern.outcome = Concern.State.CLOSED, outcome
    concern.closing_note = note.strip()
    concern.ended_by, concern.ended_at = by, now
    fields = ["state", "outcome", "closing_note", "ended_by", "ended_at"]
    if escalate:
        concern.escalated_at = concern.escalated_at or now  # the first escalation's time
        fields.append("escalated_at")
    concern.save(update_fields=fields)
    audit(
        by,
        "concern.closed",
        concern,
        organisation=concern.organisation,
        changes={
            "state": [Concern.State.RESPONDED, concern.state],
            "outcome": outcome,
            "escalated": escalate,
        },
    )
    notify_concern(concern=concern, kind="concern_closed", period_key="closed")
    if escalate:
        notify_concern(concern=concern, kind="concern_escalated", period_key="not-satisfied")
    return concern


@transaction.atomic
def concern_withdraw(*, concern: Concern, by: User, note: str = "") -> Concern:
    concern = _locked(concern)
    _moved_on(concern, Concern.OPEN_STATES, "This concern has already been closed or withdrawn.")
    was = concern.state
    concern.state, concern.closing_note = Concern.State.WITHDRAWN, note.strip()
    concern.ended_by, concern.ended_at = by, timezone.now()
    concern.save(update_fields=["state", "closing_note", "ended_by", "ended_at"])
    audit(
        by,
        "concern.withdrawn",
        concern,
        organisation=concern.organisation,
        changes={"state": [was, concern.state]},
    )
    notify_concern(concern=concern, kind="concern_withdrawn", period_key="withdrawn")
    return concern


@transaction.atomic
def concern_link_review(*, concern: Concern, review: Review, by: User) -> Concern:
    """The review the lead commissioner opened from the concern."""
    if review.partnership_id != concern.partnership_id:
        raise ValidationError("The review must be one of this partnership’s.")
    concern = _locked(concern)
    concern.review = review
    concern.save(update_fields=["review"])
    audit(
        by,
        "concern.review_opened",
        concern,
        organisation=lead_organisation(concern.partnership),
        changes={"review": str(review.code)},
    )
    return concern
