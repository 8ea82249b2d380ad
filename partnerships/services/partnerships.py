"""Partnerships and their partners."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organisations.audit import audit, change_and_audit, changes_between
from organisations.models import Organisation, User
from partnerships.models import Participant, Partnership
from partnerships.services import acting_organisation
from principles.models import Framework


@transaction.atomic
def partnership_create(
    *, by: User, lead_organisation: Organisation, framework: Framework | None = None, **fields
) -> Partnership:
    framework = framework or Framework.objects.current()
    if framework is None:
        raise ValidationError("No framework is published yet, so a partnership cannot be set up.")
    partnership = Partnership.objects.create(framework=framework, created_by=by, **fields)
    Participant.objects.create(
        partnership=partnership,
        organisation=lead_organisation,
        role=Participant.Role.LEAD_COMMISSIONER,
        lead_contact=by,
        joined_on=partnership.starts_on or timezone.localdate(),
    )
    audit(
        by,
        "partnership.created",
        partnership,
        organisation=lead_organisation,
        changes=changes_between(
            {}, {**fields, "framework": framework, "lead_organisation": lead_organisation}
        ),
    )
    return partnership


@transaction.atomic
def partnership_update(*, partnership: Partnership, by: User, **fields) -> Partnership:
    change_and_audit(
        partnership,
        fields,
        by=by,
        action="partnership.changed",
        organisation=acting_organisation(by, partnership),
    )
    return partnership


@transaction.atomic
def participant_add(
    *, partnership: Partnership, organisation: Organisation, role: str, by: User, joined_on=None
) -> Participant:
    """Adds a partner, or brings back one that left (its history stays with it)."""
    if role == Participant.Role.LEAD_COMMISSIONER:
        raise ValidationError("A partnership has one lead commissioner, chosen when it is set up.")
    joined_on = joined_on or timezone.localdate()
    participant = (
        Participant.objects.select_for_update()
        .filter(partnership=partnership, organisation=organisation)
        .first()
    )
    if participant is None:
        participant = Participant.objects.create(
            partnership=partnership, organisation=organisation, role=role, joined_on=joined_on
        )
        before = {}
    elif participant.left_on is None:
        raise ValidationError(f"{organisation} is already a partner.")
    else:
        before = {
            "role": participant.role,
            "joined_on": participant.joined_on,
            "left_on": participant.left_on,
        }
        participant.role, participant.joined_on, participant.left_on = role, joined_on, None
        participant.save(update_fields=["role", "joined_on", "left_on"])
    partnership_touched(partnership.pk)
    audit(
        by,
        "participant.added",
        participant,
        organisation=acting_organisation(by, partnership),
        changes=changes_between(
            before,
            {"organisation": organisation, "role": role, "joined_on": joined_on, "left_on": None},
        ),
    )
    return participant


@transaction.atomic
def participant_remove(*, participant: Participant, by: User) -> Participant:
    """A partner leaves: the record stays so past reviews still show who took part."""
    if participant.role == Participant.Role.LEAD_COMMISSIONER:
        raise ValidationError(
            "The lead commissioner cannot be removed. The partnership needs one to run reviews."
        )
    today = timezone.localdate()
    participant.left_on = max(today, participant.joined_on or today)
    participant.save(update_fields=["left_on"])
    partnership_touched(participant.partnership_id)
    audit(
        by,
        "participant.removed",
        participant,
        organisation=acting_organisation(by, participant.partnership),
        changes=changes_between({"left_on": None}, {"left_on": participant.left_on}),
    )
    return participant


def partnership_touched(partnership_id: int) -> None:
    """Its partners changed: the partnership counts as updated (the read API's
    updated_since lists it again)."""
    Partnership.objects.filter(pk=partnership_id).update(updated_at=timezone.now())
