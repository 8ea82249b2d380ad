from .models import Membership, Side


def current_membership(request, memberships: list[Membership]) -> Membership | None:
    """The membership a person is working in: the one chosen on the switch page, else the
    first. A choice they are no longer a member of falls back to the first."""
    session = getattr(request, "session", None)
    chosen = session.get("organisation") if session is not None else None
    for membership in memberships:
        if str(membership.organisation.code) == chosen:
            return membership
    return memberships[0] if memberships else None


def navigation(request):
    """What the header needs: which links to show, and the organisation being worked in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Read with the person by organisations.backends.FrameBackend, so kept until they change.
    memberships = getattr(user, "frame_memberships", None)
    if memberships is None:
        memberships = list(
            Membership.objects.filter(user=user)
            .select_related("organisation")
            .order_by("organisation__name")
        )
    # The rule of partnerships.access.commissioning_organisations, read from the memberships
    # loaded anyway so the header costs one query. Platform admins may register for any NHS
    # organisation (on an empty platform the page itself explains there is none).
    can_register = user.is_staff or any(
        m.can_edit and m.organisation.side == Side.NHS for m in memberships
    )
    current = current_membership(request, memberships)
    return {
        "nav_can_register": can_register,
        # Reports are for the same people: admins, and editors or admins of an NHS organisation.
        "nav_can_report": can_register,
        "current_organisation": current.organisation if current else None,
        "can_switch_organisation": len(memberships) > 1,
        "can_manage_current_people": current is not None
        and (user.is_staff or current.role == Membership.Role.ADMIN),
    }
