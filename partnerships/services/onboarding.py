"""Partners not on the service yet: the lead commissioner adds the organisation, and invites
the first admin of a partner that has no one who can answer (docs/permissions.md, "Partners
not on the service yet")."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from organisations.audit import audit
from organisations.models import Invitation, Membership, Organisation, User
from organisations.services import (
    invitation_send,
    organisation_import_row,
    organisations_holding,
    row_identifiers,
)
from partnerships.models import Participant, Partnership
from partnerships.services.partnerships import participant_add

ANSWERING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def organisation_already_here(*, row: dict) -> Organisation | None:
    """The organisation that holds any identifier of `row` (checked as the import checks
    them: raises ValidationError by field for a bad one), or None."""
    for _, scheme, value in row_identifiers(row):
        found = organisations_holding(scheme, value).first()
        if found is not None:
            return found
    return None


@transaction.atomic
def partner_organisation_add(
    *, partnership: Partnership, row: dict, role: str, email: str, by: User
) -> tuple[Participant, Invitation | None]:
    """Puts a missing organisation on the service as the import would, makes it a partner
    and, given its lead contact's email, invites that person as its first admin (the
    invitation email goes once, after commit). An organisation already here is refused
    with its name, so that it is chosen rather than made twice."""
    if not row_identifiers(row):
        raise ValidationError({"ods_code": "Enter its ODS code, charity number or company number"})
    existing = organisation_already_here(row=row)
    if existing is not None:
        raise ValidationError(f"{existing.name} is already on the service: add it instead.")
    organisation_import_row(row=row)
    organisation = organisation_already_here(row=row)
    audit(
        by,
        "organisation.added",
        organisation,
        organisation=organisation,
        changes={"name": [None, organisation.name], "partnership": [None, str(partnership.code)]},
    )
    participant = participant_add(
        partnership=partnership, organisation=organisation, role=role, by=by
    )
    invitation = None
    if email:
        invitation = invitation_send(
            organisation=organisation, email=email, role=Membership.Role.ADMIN, by=by
        )
    return participant, invitation


def someone_to_answer() -> Exists:
    """For a partner (Participant) queryset: whether its organisation has an active editor
    or admin, who can fill in a self-assessment and is sent the review's emails."""
    return Exists(
        Membership.objects.filter(
            organisation=OuterRef("organisation"),
            role__in=ANSWERING_ROLES,
            user__is_active=True,
        )
    )


def no_one_to_answer(partnership: Partnership):
    """Current partners whose organisation has no one to answer (someone_to_answer)."""
    return (
        partnership.participants.filter(left_on__isnull=True)
        .exclude(someone_to_answer())
        .select_related("organisation")
        .order_by("organisation__name")
    )


@transaction.atomic
def partner_first_admin_invite(*, participant: Participant, email: str, by: User) -> Invitation:
    """Invites the first admin of a partner with no one who can answer. A partner that has
    people of its own invites through its own admins, so the lead cannot add people there."""
    organisation = participant.organisation
    if organisation.memberships.filter(user__is_active=True).exists():
        raise ValidationError(
            {"email": f"{organisation} has people on the service: its admins invite others."}
        )
    return invitation_send(
        organisation=organisation, email=email, role=Membership.Role.ADMIN, by=by
    )
