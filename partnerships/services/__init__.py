"""Every write to partnerships goes through these modules: keyword-only, atomic, audited."""

from organisations.models import Organisation, User
from partnerships.models import Participant, Partnership

# Whose organisation an event is filed under when a person belongs to several partners.
_ROLE_PREFERENCE = [Participant.Role.LEAD_COMMISSIONER, Participant.Role.COMMISSIONER]


def acting_organisation(by: User, partnership: Partnership) -> Organisation | None:
    """The partner organisation `by` acts for, for the audit trail.

    The lead commissioner first, then a commissioner, then any current partner; None for a
    platform admin who is not a member of any of them.
    """
    participants = Participant.objects.filter(
        partnership=partnership, left_on__isnull=True, organisation__memberships__user=by
    ).select_related("organisation")
    ranked = sorted(
        participants,
        key=lambda p: (
            _ROLE_PREFERENCE.index(p.role) if p.role in _ROLE_PREFERENCE else len(_ROLE_PREFERENCE)
        ),
    )
    return ranked[0].organisation if ranked else None
