"""Who may do what, beyond seeing a partnership (that is `visible_to`).

Each `require_*` raises PermissionDenied with a sentence the 403 page shows. The roles are
a person's membership role in an organisation (admin, editor, viewer) and that
organisation's role in the partnership (lead commissioner, commissioner, partner).
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from organisations.models import Membership, Organisation

from .models import Action, Assessment, Concern, Participant, Partnership, Review

EDITING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def get_partnership(request, code, *, related: tuple[str, ...] = ()) -> Partnership:
    """The gate every partnership page goes through: not a partner, a 404. `related` names
    what the page shows of the partnership's own links, read in the same query."""
    partnerships = Partnership.objects.visible_to(request.user)
    if related:  # select_related() with no names would follow every link
        partnerships = partnerships.select_related(*related)
    return get_object_or_404(partnerships, code=code)


def _edits_for_current_partner(user, partnership: Partnership, roles=None) -> bool:
    participants = Participant.objects.filter(
        partnership=partnership,
        left_on__isnull=True,
        organisation__memberships__user=user,
        organisation__memberships__role__in=EDITING_ROLES,
    )
    if roles is not None:
        participants = participants.filter(role__in=roles)
    return participants.exists()


def can_manage(user, partnership: Partnership) -> bool:
    """Staff, or an editor or admin of a current commissioning partner."""
    return user.is_staff or _edits_for_current_partner(
        user, partnership, Participant.COMMISSIONING_ROLES
    )


def require_manage(user, partnership: Partnership) -> None:
    if not can_manage(user, partnership):
        raise PermissionDenied(
            "Only editors and admins of this partnership’s commissioning organisations "
            "can change the partnership and its partners."
        )


def is_lead(user, partnership: Partnership) -> bool:
    """Staff, or an editor or admin of the lead commissioner: they run the reviews."""
    return user.is_staff or _edits_for_current_partner(
        user, partnership, [Participant.Role.LEAD_COMMISSIONER]
    )


def require_lead(user, partnership: Partnership) -> None:
    if not is_lead(user, partnership):
        raise PermissionDenied(
            "Only editors and admins of the lead commissioner can open, health-check and "
            "close a review of this partnership."
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


def can_see_reports(user) -> bool:
    """Admins, and commissioners: editors and admins of an NHS organisation. What a report
    holds is still only what `visible_to` lets them see."""
    return user.is_staff or commissioning_organisations(user).exists()


def require_reports(user) -> None:
    if not can_see_reports(user):
        raise PermissionDenied(
            "Reports and exports are for commissioners (editors and admins of an NHS "
            "organisation) and platform admins. Each partnership’s own results are on its "
            "review results page."
        )


def require_results_published(review: Review) -> None:
    if review.is_open:
        raise PermissionDenied(
            "The results are published to every partner when the lead commissioner closes "
            "the review. Until then you can see who has submitted, not what they answered."
        )


def assessments_visible_to(user):
    """An assessment is its organisation's own: other partners see only whether it is in."""
    if user.is_staff:
        return Assessment.objects.all()
    return Assessment.objects.filter(organisation__memberships__user=user)


def require_edit_assessment(user, assessment: Assessment) -> None:
    membership = Membership.objects.filter(user=user, organisation=assessment.organisation).first()
    if membership is None or not membership.can_edit:
        raise PermissionDenied(
            f"Only editors and admins of {assessment.organisation} can change its "
            "self-assessment. You can read it."
        )
    if not assessment.review.is_open:
        raise PermissionDenied("This review has closed, so its assessments can no longer change.")
    if assessment.state == Assessment.State.SUBMITTED:
        raise PermissionDenied(
            "This self-assessment has been submitted, so it is locked. "
            "Ask the lead commissioner if something needs to change."
        )


def can_add_action(user, partnership: Partnership) -> bool:
    return user.is_staff or _edits_for_current_partner(user, partnership)


def require_add_action(user, partnership: Partnership) -> None:
    if not can_add_action(user, partnership):
        raise PermissionDenied(
            "Only editors and admins of the partner organisations can add actions."
        )


def action_change_rule(user, partnership: Partnership):
    """Whether the user may change each action of one partnership, decided once per page.

    The commissioners may change every action; others only those their organisation owns
    and they edit for.
    """
    if can_manage(user, partnership):
        return lambda action: True
    editable = set(
        Membership.objects.filter(user=user, role__in=EDITING_ROLES).values_list(
            "organisation_id", flat=True
        )
    )
    return lambda action: action.owner_organisation_id in editable


def can_change_action(user, action: Action) -> bool:
    return action_change_rule(user, action.partnership)(action)


def require_change_action(user, action: Action) -> None:
    if not can_change_action(user, action):
        raise PermissionDenied(
            "Only the commissioners, or editors and admins of the organisation that owns "
            "this action, can change it."
        )


def get_concern(request, code, concern_code) -> Concern:
    """The gate of a concern page: one the person may not see is a 404, as is its partnership."""
    return get_object_or_404(
        Concern.objects.visible_to(request.user).select_related(
            "partnership__icb", "partnership__framework", "organisation", "principle", "review"
        ),
        partnership__code=code,
        code=concern_code,
    )


def can_raise_concern(user, partnership: Partnership) -> bool:
    """An editor or admin of a current partner: the concern is on record as its organisation's."""
    return _edits_for_current_partner(user, partnership)


def require_raise_concern(user, partnership: Partnership) -> None:
    if not can_raise_concern(user, partnership):
        raise PermissionDenied(
            "Only editors and admins of the partner organisations can raise a concern: it is "
            "raised in an organisation’s name."
        )


def require_answer_concern(user, concern: Concern) -> None:
    if not is_lead(user, concern.partnership):
        raise PermissionDenied(
            "Only editors and admins of the lead commissioner can acknowledge and answer a "
            "concern about this partnership."
        )


def can_end_concern(user, concern: Concern) -> bool:
    """Editors and admins of the raising organisation close or withdraw its concern."""
    return Membership.objects.filter(
        user=user, organisation=concern.organisation_id, role__in=EDITING_ROLES
    ).exists()


def require_end_concern(user, concern: Concern) -> None:
    if not can_end_concern(user, concern):
        raise PermissionDenied(
            f"Only editors and admins of {concern.organisation}, which raised this concern, "
            "can close or withdraw it."
        )


def reply_organisation(user, review: Review, organisation_code) -> Organisation:
    """The partner organisation whose reply to the review's results `user` may write.

    Not a current partner of the partnership: 404. The lead commissioner (its summary is its
    say), someone who does not edit for it, or results not yet published: 403 with why.
    """
    participant = get_object_or_404(
        Participant.objects.filter(
            partnership=review.partnership_id, left_on__isnull=True
        ).select_related("organisation"),
        organisation__code=organisation_code,
    )
    organisation = participant.organisation
    if review.is_open:
        raise PermissionDenied(
            "Partners can reply once the lead commissioner closes the review and publishes "
            "its results."
        )
    if participant.role == Participant.Role.LEAD_COMMISSIONER:
        raise PermissionDenied(
            "The lead commissioner’s say on the results is its summary, not a reply."
        )
    if not Membership.objects.filter(
        user=user, organisation=organisation, role__in=EDITING_ROLES
    ).exists():
        raise PermissionDenied(
            f"Only editors and admins of {organisation} can reply to the results for it."
        )
    return organisation


def reply_organisations(user, review: Review) -> list[Organisation]:
    """The partner organisations whose reply `user` may write: for the results page's links."""
    if review.is_open:
        return []
    return [
        p.organisation
        for p in Participant.objects.filter(
            partnership=review.partnership_id,
            left_on__isnull=True,
            organisation__memberships__user=user,
            organisation__memberships__role__in=EDITING_ROLES,
        )
        .exclude(role=Participant.Role.LEAD_COMMISSIONER)
        .select_related("organisation")
    ]
