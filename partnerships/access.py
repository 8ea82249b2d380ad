"""Who may do what to a partnership, beyond seeing it (that is `visible_to`)."""

from django.core.exceptions import PermissionDenied

from organisations.models import Membership, Organisation

from .models import Participant, Partnership

EDITING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def can_manage(user, partnership: Partnership) -> bool:
    """Staff, or an editor or admin of a current commissioning partner."""
    if user.is_staff:
        return True
    return Participant.objects.filter(
        partnership=partnership,
        role__in=Participant.COMMISSIONING_ROLES,
        left_on__isnull=True,
        organisation__memberships__user=user,
        organisation__memberships__role__in=EDITING_ROLES,
    ).exists()


def require_manage(user, partnership: Partnership) -> None:
    if not can_manage(user, partnership):
        raise PermissionDenied(
            "Only editors and admins of this partnership’s commissioning organisations "
            "can change the partnership and its partners."
        )


def commissioning_organisations(user):
    """The NHS organisations in which the user may register a partnership."""
    organisations = Organisation.objects.of_side("nhs")
    if user.is_staff:
        return organisations
    return organisations.filter(
        memberships__user=user, memberships__role__in=EDITING_ROLES
    ).distinct()


def require_can_register(user) -> None:
    if not commissioning_organisations(user).exists():
        raise PermissionDenied(
            "Only editors and admins of an NHS commissioning organisation can register a "
            "partnership. Ask your organisation’s admin if you need this."
        )
