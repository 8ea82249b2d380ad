from django.shortcuts import get_object_or_404, render

from partnerships.models import Partnership

from .models import Organisation


def organisation_detail(request, code):
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), code=code)
    # Partners see the profile; only members and platform admins see the people.
    is_member = request.user.is_staff or organisation.memberships.filter(user=request.user).exists()
    memberships = organisation.memberships.select_related("user") if is_member else None
    partnerships = (
        Partnership.objects.visible_to(request.user)
        .filter(participants__organisation=organisation, participants__left_on__isnull=True)
        .order_by("name")
    )
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "partnerships": partnerships,
        },
    )
