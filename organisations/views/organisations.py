import logging
from smtplib import SMTPException
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.paging import page_number

from .. import services
from ..backends import password_confirmed
from ..context_processors import current_membership
from ..forms import (
    AccountPasswordForm,
    InvitationAcceptForm,
    InvitationForm,
    MembershipOffersForm,
    MembershipRemoveForm,
    MembershipRoleForm,
    SwitchOrganisationForm,
)
from ..models import Invitation, Membership, MembershipOffer, Organisation, Succession, User

logger = logging.getLogger(__name__)

PEOPLE_PAGE_SIZE = 50  # members, invitations and an organisation's partnerships, a page each
PEOPLE_FILTER_MAX = 254  # an email address is at most this long


def organisation_detail(request, code):
    # Whether it succeeded anyone, and how many of their people wait to join, come with it.
    waiting = MembershipOffer.objects.filter(organisation=OuterRef("pk"), accepted_at__isnull=True)
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).annotate(
            has_predecessors=Exists(Succession.objects.filter(successors=OuterRef("pk"))),
            offers_waiting=Coalesce(
                Subquery(waiting.values("organisation").annotate(n=Count("pk")).values("n")), 0
            ),
        ),
        code=code,
    )
    # Partners see the profile; only members and platform admins see the people.
    is_member = request.user.is_staff or organisation.memberships.filter(user=request.user).exists()
    memberships = (
        Paginator(
            organisation.memberships.select_related("user").order_by(
                "user__first_name", "user__last_name", "user__email", "pk"
            ),
            PEOPLE_PAGE_SIZE,
        ).get_page(page_number(request, "people_page"))
        if is_member
        else None
    )
    # Partnership, reached through its relation to Organisation: organisations sits below
    # partnerships and does not import it.
    partnership_model = Organisation.partnerships_in_area.rel.related_model
    partnerships = Paginator(
        partnership_model.objects.visible_to(request.user)
        .filter(participants__organisation=organisation, participants__left_on__isnull=True)
        .order_by("name", "pk"),
        PEOPLE_PAGE_SIZE,
    ).get_page(page_number(request, "page"))
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "partnerships": partnerships,
            # Each list's pages keep the other list's page.
            "partnership_page_query": urlencode(
                {"people_page": memberships.number} if memberships else {}
            ),
            "people_page_query": urlencode({"page": partnerships.number}),
            "can_manage_people": _can_manage_people(request.user, organisation),
            "is_member": is_member,
            "predecessors": list(
                organisation.successions_inherited.select_related("predecessor")
                if organisation.has_predecessors
                else ()
            ),
        },
    )


# Names of URL parts that carry a secret (a reset or invitation token): kept out of the trail.
_SECRET_URL_PARTS = ("token", "uidb64", "key", "secret")


def permission_denied(request, exception):
    """The 403 page (handler403), recording the refusal in the audit trail."""
    from ..audit import audit, only_organisation

    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in match.kwargs.items() if match else ():
        if any(part in name for part in _SECRET_URL_PARTS):
            path = path.replace(str(value), "…")
    user = request.user if hasattr(request, "user") else None
    audit(
        user,
        "access.refused",
        organisation=only_organisation(user),
        changes={"path": path, "method": request.method, "reason": str(exception)},
    )
    return render(request, "403.html", {"exception": str(exception)}, status=403)


# People: who may see and manage an organisation's members and invitations.


def _can_manage_people(user, organisation: Organisation) -> bool:
    return (
        user.is_staff
        or organisation.memberships.filter(user=user, role=Membership.Role.ADMIN).exists()
    )


def _get_managed_organisation(request, code) -> Organisation:
    """Outsiders get 404; members and partners without the admin role get 403."""
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), code=code)
    if not _can_manage_people(request.user, organisation):
        raise PermissionDenied(
            f"Only admins of {organisation} can see and manage its people. "
            "Ask one of them if someone needs to be invited or a role changed."
        )
    return organisation


def _get_membership(organisation: Organisation, membership_id: int) -> Membership:
    return get_object_or_404(organisation.memberships.select_related("user"), pk=membership_id)


def people(request, code):
    organisation = _get_managed_organisation(request, code)
    # An ICB can have hundreds of people: both lists a page at a time, with a name or email
    # filter that the pages keep.
    query = request.GET.get("q", "").strip()[:PEOPLE_FILTER_MAX]
    memberships = organisation.memberships.select_related("user").order_by(
        "user__first_name", "user__last_name", "user__email", "pk"
    )
    invitations = (
        organisation.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("email", "pk")
    )
    if query:
        memberships = memberships.filter(
            Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__email__icontains=query)
        )
        invitations = invitations.filter(email__icontains=query)
    member_page = Paginator(memberships, PEOPLE_PAGE_SIZE).get_page(page_number(request, "page"))
    invitation_page = Paginator(invitations, PEOPLE_PAGE_SIZE).get_page(
        page_number(request, "invitations_page")
    )
    return render(
        request,
        "organisations/people.html",
        {
            "organisation": organisation,
            "query": query,
            "memberships": member_page,
            "invitations": invitation_page,
            # Each list's pages keep the filter and the other list's page.
            "member_page_query": urlencode(
                {"q": query, "invitations_page": invitation_page.number}
            ),
            "invitation_page_query": urlencode({"q": query, "page": member_page.number}),
            "now": timezone.now(),
        },
    )


def membership_offers(request, code):
    """People of a predecessor waiting to join: the successor's admins accept them here."""
    organisation = _get_managed_organisation(request, code)
    waiting = (
        organisation.membership_offers.filter(accepted_at__isnull=True)
        .select_related("user", "succession__predecessor")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    form = MembershipOffersForm(request.POST if request.method == "POST" else None, offers=waiting)
    if request.method == "POST" and form.is_valid():
        made = services.membership_offers_accept(
            offers=form.cleaned_data["offers"], by=request.user
        )
        messages.success(
            request,
            f"{made} {'person' if made == 1 else 'people'} joined {organisation.name}.",
        )
        return redirect("organisations:people", code=organisation.code)
    return render(
        request,
        "organisations/membership_offers.html",
        {"organisation": organisation, "form": form, "waiting": waiting},
    )


def invite(request, code):
    organisation = _get_managed_organisation(request, code)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_send(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        except (SMTPException, OSError):
            logger.exception("The invitation email to %s was not sent", form.cleaned_data["email"])
            messages.error(
                request,
                f"The invitation for {form.cleaned_data['email']} is saved, but the email could "
                "not be sent. Invite them again in a few minutes to send a new link.",
            )
            return redirect("organisations:people", code=organisation.code)
        else:
            expires = timezone.localtime(invitation.expires_at)
            messages.success(
                request,
                f"We have sent an invitation to {invitation.email}. "
                f"The link works once, until {expires:%-d %B %Y}.",
            )
            return redirect("organisations:people", code=organisation.code)
    return render(
        request, "organisations/invite.html", {"organisation": organisation, "form": form}
    )


@require_POST
def invitation_revoke(request, code, invitation_id):
    organisation = _get_managed_organisation(request, code)
    invitation = get_object_or_404(
        organisation.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True),
        pk=invitation_id,
    )
    services.invitation_revoke(invitation=invitation, by=request.user)
    messages.success(
        request, f"The invitation for {invitation.email} is cancelled. Its link no longer works."
    )
    return redirect("organisations:people", code=organisation.code)


def member_role(request, code, membership_id):
    organisation = _get_managed_organisation(request, code)
    membership = _get_membership(organisation, membership_id)
    form = MembershipRoleForm(
        request.POST or None,
        initial={
            "role": membership.role,
            "vcse_partnership_lead": membership.vcse_partnership_lead,
        },
        person=membership.user,
        organisation=organisation,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], by=request.user
            )
            if "vcse_partnership_lead" in form.cleaned_data:
                services.membership_set_vcse_lead(
                    membership=membership,
                    lead=form.cleaned_data["vcse_partnership_lead"],
                    by=request.user,
                )
        except ValidationError as error:
            form.add_error("role", error)
        else:
            messages.success(
                request,
                f"{membership.user} is now {services.ROLE_WITH_ARTICLE[membership.role]} "
                f"at {organisation}.",
            )
            # An admin who has just stepped down can no longer see the people page.
            if not _can_manage_people(request.user, organisation):
                return redirect("organisations:detail", code=organisation.code)
            return redirect("organisations:people", code=organisation.code)
    return render(
        request,
        "organisations/member_role.html",
        {
            "organisation": organisation,
            "membership": membership,
            "role": services.ROLE_WITH_ARTICLE[membership.role],
            "form": form,
        },
    )


def member_deactivate(request, code, membership_id):
    organisation = _get_managed_organisation(request, code)
    membership = _get_membership(organisation, membership_id)
    person = membership.user
    form = MembershipRemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_remove(membership=membership, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if person == request.user:
                # Their sessions, this one included, are gone: start afresh at sign-in.
                logout(request)
                return redirect("login")
            if not person.is_active:
                outcome = " Their account is deactivated: they were in no other organisation."
            elif person.memberships.exists():
                outcome = " They stay in their other organisations."
            else:
                outcome = ""
            messages.success(
                request, f"{person} is removed from {organisation} and signed out.{outcome}"
            )
            return redirect("organisations:people", code=organisation.code)
    others = Organisation.objects.filter(memberships__user=person).exclude(pk=organisation.pk)
    return render(
        request,
        "organisations/member_deactivate.html",
        {
            "organisation": organisation,
            "membership": membership,
            "other_organisations": others.order_by("name"),
            "form": form,
        },
    )


# Invitations, from the link in the email.


@login_not_required
def accept_invitation(request, token):
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation"),
        token_hash=services.invitation_token_hash(token),
    )
    status = services.invitation_status(invitation)
    if status != "pending":
        return _invitation_unusable(request, invitation, status)
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "role": services.ROLE_WITH_ARTICLE[invitation.role],
    }
    user = request.user
    if user.is_authenticated and user.email != invitation.email:
        return render(
            request,
            "organisations/invitation_accept.html",
            {**context, "step": "wrong_account"},
            status=403,
        )
    account = User.objects.filter(email=invitation.email).first()

    if account is not None and account.is_active:
        if not user.is_authenticated:
            sign_in = f"{reverse('login')}?{urlencode({'next': request.path})}"
            return render(
                request,
                "organisations/invitation_accept.html",
                {**context, "step": "sign_in", "sign_in_url": sign_in},
            )
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=user)
            except ValidationError:
                # Used or changed in the meantime: the page says what it is now.
                return redirect(request.path)
            return _joined(request, invitation)
        return render(request, "organisations/invitation_accept.html", {**context, "step": "join"})

    if account is not None:
        return _rejoin(request, invitation, account, context)

    form = InvitationAcceptForm(request.POST or None, user=User(email=invitation.email))
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        try:
            services.invitation_accept(
                invitation=invitation,
                password=password,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError:
            return redirect(request.path)
        return _sign_in_and_join(request, invitation, password)
    return render(
        request,
        "organisations/invitation_accept.html",
        {**context, "step": "set_password", "form": form},
    )


def _rejoin(request, invitation: Invitation, account: User, context: dict):
    """A deactivated account of the invited address comes back with its own password only;
    a forgotten one is reset by email first (the reset form offers it while invited)."""
    form = AccountPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        if password_confirmed(request, user=account, password=password):
            try:
                services.invitation_accept(invitation=invitation, current_password=password)
            except ValidationError:
                return redirect(request.path)
            return _sign_in_and_join(request, invitation, password)
        form.add_error("password", services.WRONG_ACCOUNT_PASSWORD)
    return render(
        request, "organisations/invitation_accept.html", {**context, "step": "rejoin", "form": form}
    )


def _sign_in_and_join(request, invitation: Invitation, password: str):
    # Through authenticate, so every configured backend (lockout included) has its say.
    signed_in = authenticate(request, username=invitation.email, password=password)
    if signed_in is None:
        messages.success(request, "Your account is ready. Sign in to continue.")
        return redirect("login")
    login(request, signed_in)
    return _joined(request, invitation)


def _invitation_unusable(request, invitation: Invitation, status: str):
    return render(
        request,
        "organisations/invitation_unusable.html",
        {
            "invitation": invitation,
            "status": status,
            "message": services.INVITATION_PROBLEMS[status].format(invitation=invitation),
        },
        status=410,
    )


def _joined(request, invitation: Invitation):
    # The organisation just joined is the one they most likely came to work for.
    request.session["organisation"] = str(invitation.organisation.code)
    messages.success(request, f"You have joined {invitation.organisation}.")
    return redirect("dashboard")


# Switching between the organisations a person belongs to.


def switch_organisation(request):
    memberships = list(
        request.user.memberships.select_related("organisation").order_by("organisation__name")
    )
    organisations = [membership.organisation for membership in memberships]
    current = current_membership(request, memberships)
    form = SwitchOrganisationForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial={"organisation": str(current.organisation.code) if current else None},
    )
    if request.method == "POST":
        if form.is_valid():
            chosen = form.cleaned_data["organisation"]
            organisation = next(o for o in organisations if str(o.code) == chosen)
            request.session["organisation"] = chosen
            messages.success(request, f"You are now working as {organisation}.")
            return redirect("dashboard")
        if request.POST.get("organisation"):
            raise Http404("You are not a member of that organisation.")
    return render(
        request,
        "organisations/switch_organisation.html",
        {"form": form, "organisations": organisations},
    )
