"""Carrying a succession out: what an organisation's end does to partnerships and people.

organisations.services records a succession; this module acts on it, once, on its date,
as one transaction with its audit events:

- each partnership in the predecessor's ICB area, or with the predecessor as a current
  partner, gets a PartnershipTransfer row; the predecessor leaves it the day before the date;
- with one successor (merger, acquisition, rename) the transfer is handed over at once: the
  ICB area moves, the successor joins with the predecessor's role (a lead commissioner stays
  lead), an unsubmitted self-assessment in an open review passes to it with its answers, and
  open actions the predecessor owned become its own; a submitted assessment stays under the
  predecessor's name;
- after a split a platform admin assigns each transfer to one successor
  (`transfer_assign`), which hands it over the same way;
- the predecessor's members are offered the same role at each successor
  (organisations.services.membership_offers_make).

The beat sweep (partnerships.tasks.sweep_reminders) calls `carry_out_due` before it looks for
reminders, so no reminder goes to a body that has ended; `manage.py carry_out_successions`
is its twin.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from organisations.audit import audit
from organisations.models import Organisation, Succession, User
from organisations.services import membership_offers_make
from partnerships.models import (
    Action,
    Assessment,
    Participant,
    Partnership,
    PartnershipTransfer,
    Review,
)
from partnerships.services.partnerships import partnership_touched


@transaction.atomic
def succession_carry_out(
    *, succession: Succession, by: User | None = None, today: datetime.date | None = None
) -> bool:
    """Carries the succession out; False when it already was (so running it again is safe)."""
    today = today or timezone.localdate()
    succession = (
        Succession.objects.select_for_update().select_related("predecessor").get(pk=succession.pk)
    )
    if succession.carried_out_at is not None:
        return False
    if succession.takes_effect_on > today:
        raise ValidationError(
            f"This succession takes effect on {succession.takes_effect_on:%-d %B %Y}; "
            "it is carried out on that day, not before."
        )
    predecessor = succession.predecessor
    successors = list(succession.successors.all())
    single = successors[0] if len(successors) == 1 else None
    last_day = succession.takes_effect_on - datetime.timedelta(days=1)

    partnerships = Partnership.objects.filter(
        Q(icb=predecessor)
        | Q(
            pk__in=Participant.objects.filter(
                organisation=predecessor, left_on__isnull=True
            ).values("partnership")
        )
    ).order_by("pk")
    transfers = 0
    for partnership in partnerships.select_for_update():
        participant = Participant.objects.filter(
            partnership=partnership, organisation=predecessor, left_on__isnull=True
        ).first()
        role = participant.role if participant else ""
        if participant is not None:
            participant.left_on = max(last_day, participant.joined_on or last_day)
            participant.save(update_fields=["left_on"])
            partnership_touched(partnership.pk)
        if not successors:  # a dissolution: the body leaves, no one takes over
            audit(
                by,
                "partnership.predecessor_left",
                partnership,
                organisation=predecessor,
                changes={"left_on": [None, str(last_day)]},
            )
            continue
        transfer = PartnershipTransfer.objects.create(
            partnership=partnership,
            succession=succession,
            successor=single,
            area=partnership.icb_id == predecessor.pk,
            partner_role=role,
        )
        transfers += 1
        if single is not None:
            _hand_over(transfer, by=by)
    offers = membership_offers_make(succession=succession)
    succession.carried_out_at = timezone.now()
    succession.save(update_fields=["carried_out_at"])
    audit(
        by,
        "succession.carried_out",
        succession,
        organisation=predecessor,
        changes={"partnerships": [None, transfers], "membership_offers": [None, offers]},
    )
    return True


def _hand_over(transfer: PartnershipTransfer, *, by: User | None) -> None:
    """Gives the transfer's partnership to its successor, inside the caller's transaction."""
    partnership, successor = transfer.partnership, transfer.successor
    predecessor = transfer.succession.predecessor
    on = transfer.succession.takes_effect_on
    changes = {}
    if transfer.area:
        partnership.icb = successor
        partnership.save(update_fields=["icb", "updated_at"])
        changes["icb"] = [str(predecessor.pk), str(successor.pk)]
    if transfer.partner_role:
        changes["joined"] = [None, _join(partnership, successor, transfer.partner_role, on)]
        passed = _pass_assessment(partnership, predecessor, successor)
        if passed:
            changes["assessment_passed"] = [None, passed]
        actions = Action.objects.filter(
            partnership=partnership, owner_organisation=predecessor, status=Action.Status.OPEN
        ).update(owner_organisation=successor, owner=None)
        if actions:
            changes["actions"] = [None, actions]
    audit(by, "partnership.transferred", partnership, organisation=successor, changes=changes)


def _join(partnership: Partnership, successor: Organisation, role: str, on) -> str:
    """The successor joins on the date with the predecessor's role; a lead stays lead."""
    partnership_touched(partnership.pk)
    existing = Participant.objects.filter(partnership=partnership, organisation=successor).first()
    if existing is None:
        Participant.objects.create(
            partnership=partnership, organisation=successor, role=role, joined_on=on
        )
        return role
    fields = []
    if existing.left_on is not None:
        existing.left_on, existing.joined_on, existing.role = None, on, role
        fields += ["left_on", "joined_on", "role"]
    elif role == Participant.Role.LEAD_COMMISSIONER:
        existing.role = role
        fields.append("role")
    if fields:
        existing.save(update_fields=fields)
    return existing.role


def _pass_assessment(partnership, predecessor, successor) -> str:
    """An unsubmitted self-assessment in the open review passes to the successor, answers and
    all, unless the successor has one of its own there. Returns its public code, or ""."""
    assessment = (
        Assessment.objects.filter(
            review__partnership=partnership,
            review__state=Review.State.OPEN,
            organisation=predecessor,
        )
        .exclude(state=Assessment.State.SUBMITTED)
        .first()
    )
    if assessment is None:
        return ""
    if Assessment.objects.filter(review=assessment.review, organisation=successor).exists():
        return ""
    assessment.organisation = successor
    assessment.save(update_fields=["organisation"])
    return str(assessment.code)


@transaction.atomic
def transfer_assign(
    *, transfer: PartnershipTransfer, successor: Organisation, by: User
) -> PartnershipTransfer:
    """A platform admin's choice of successor for one partnership after a split."""
    transfer = (
        PartnershipTransfer.objects.select_for_update()
        .select_related("partnership", "succession__predecessor")
        .get(pk=transfer.pk)
    )
    if transfer.successor_id is not None:
        raise ValidationError(
            f"{transfer.partnership} has already been assigned to {transfer.successor.name}."
        )
    if not transfer.succession.successors.filter(pk=successor.pk).exists():
        raise ValidationError(
            {"successor": "Select one of the organisations the predecessor split into."}
        )
    transfer.successor, transfer.decided_by, transfer.decided_at = successor, by, timezone.now()
    transfer.save(update_fields=["successor", "decided_by", "decided_at"])
    _hand_over(transfer, by=by)
    return transfer


def carry_out_due(*, today: datetime.date | None = None) -> int:
    """Carries out every succession due by today and not yet carried out; each on its own."""
    today = today or timezone.localdate()
    due = Succession.objects.filter(carried_out_at__isnull=True, takes_effect_on__lte=today)
    done = 0
    for succession in due.order_by("takes_effect_on", "pk"):
        done += succession_carry_out(succession=succession, today=today)
    return done
