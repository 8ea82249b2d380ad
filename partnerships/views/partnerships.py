from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from config.paging import page_number
from partnerships import results, scoring, withholding
from partnerships.access import (
    can_manage,
    get_partnership,
    is_lead,
    require_can_register,
    require_manage,
)
from partnerships.forms.onboarding import FirstAdminForm, PartnerOrganisationForm
from partnerships.forms.partnerships import (
    OrganisationSearchForm,
    ParticipantAddForm,
    PartnershipCreateForm,
    PartnershipForm,
)
from partnerships.models import Action, Assessment, Concern, Partnership, Review
from partnerships.services import onboarding
from partnerships.services import partnerships as services

DASHBOARD_PAGE_SIZE = 25
PARTNERSHIP_ACTIONS_SHOWN = 10
# Actions, concerns and reviews coming due: the most pressing few, each list saying when there
# are more and where they are. Rendering is most of a dashboard's cost, so it shows a summary.
DASHBOARD_LIST_SIZE = 10
NAME_FILTER_MAX = 200  # a partnership's name is at most this long


def dashboard(request):
    name = request.GET.get("name", "").strip()[:NAME_FILTER_MAX]
    visible = Partnership.objects.visible_to(request.user)
    listed = visible.filter(name__icontains=name) if name else visible
    # Soonest review due first; a partnership with no date set comes last, then by name.
    listed = listed.with_summary().order_by(F("next_review_due").asc(nulls_last=True), "name", "pk")
    page = Paginator(listed, DASHBOARD_PAGE_SIZE).get_page(page_number(request))
    for partnership in page:
        latest = partnership.latest_result()
        partnership.shown_result = withholding.headline(latest, user=request.user)
        partnership.shown_review = latest.review if latest else None
    context = {
        "page": page,
        "name": name,
        "page_query": urlencode({"name": name}) if name else "",
        "waiting": Assessment.objects.waiting_for(request.user),
    }
    # One row more than shown says whether there are more, without counting them all.
    for key, rows in [
        ("your_actions", Action.objects.for_dashboard(request.user)),
        ("concerns_awaiting", Concern.objects.awaiting(request.user)),
        ("coming_due", visible.coming_due().order_by("next_review_due", "pk")),
    ]:
        rows = list(rows[: DASHBOARD_LIST_SIZE + 1])
        context[key], context[f"more_{key}"] = (
            rows[:DASHBOARD_LIST_SIZE],
            len(rows) > DASHBOARD_LIST_SIZE,
        )
    return render(request, "partnerships/dashboard.html", context)


def partnership_detail(request, code):
    partnership = get_partnership(request, code, related=("icb", "framework"))
    participants = partnership.participants.select_related("organisation", "lead_contact").annotate(
        can_answer=onboarding.someone_to_answer()
    )
    reviews = list(
        partnership.reviews.select_related("result", "framework").order_by("-opened_on", "-id")
    )
    for review in reviews:
        review.shown = withholding.headline(getattr(review, "result", None), user=request.user)
    open_actions = (
        partnership.actions.filter(status=Action.Status.OPEN)
        .select_related("owner_organisation", "owner", "principle")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )
    return render(
        request,
        "partnerships/partnership_detail.html",
        {
            "partnership": partnership,
            "participants": [p for p in participants if p.left_on is None],
            "former_participants": [p for p in participants if p.left_on is not None],
            "no_one_can_answer": any(not p.can_answer for p in participants if p.left_on is None),
            "reviews": reviews,
            # The open actions due soonest; the action list pages through the rest.
            "actions": open_actions[:PARTNERSHIP_ACTIONS_SHOWN],
            "open_actions": open_actions.count(),
            # Every open concern the person may see: a partnership has few at a time.
            "open_concerns": Concern.objects.visible_to(request.user)
            .filter(partnership=partnership, state__in=Concern.OPEN_STATES)
            .select_related("organisation", "principle")
            .order_by("raised_at", "id"),
            "can_manage": can_manage(request.user, partnership),
            "is_lead": is_lead(request.user, partnership),
            **_standing(request.user, reviews),
        },
    )


def _standing(user, reviews) -> dict:
    """How the partnership is doing, for the top of its page: the latest published result as
    `user` may see it, with its significant gaps counted, and the open review's progress."""
    closed = (r for r in reviews if r.state == Review.State.CLOSED and hasattr(r, "result"))
    latest = next(closed, None)
    open_review = next((r for r in reviews if r.is_open), None)
    standing = {"latest": latest, "open_review": open_review}
    if latest is not None:
        result = results.review_results([latest], user=user)[latest.pk]
        flags = [withholding.gap_flag(p) for p in result.principles]
        standing["latest_result"] = result
        standing["significant_gaps"] = flags.count(scoring.SIGNIFICANT)
        standing["withheld_gaps"] = flags.count("withheld")
    if open_review is not None:
        standing["progress"] = open_review.assessments.aggregate(
            asked=Count("pk"), submitted=Count("pk", filter=Q(state=Assessment.State.SUBMITTED))
        )
    return standing


def partnership_create(request):
    require_can_register(request.user)
    form = PartnershipCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        lead_organisation = fields.pop("lead_organisation")
        partnership = services.partnership_create(
            by=request.user, lead_organisation=lead_organisation, **fields
        )
        messages.success(request, f"{partnership} is registered. Now add its partners.")
        return redirect("partnerships:participants", code=partnership.code)
    return render(request, "partnerships/partnership_form.html", {"form": form})


def partnership_edit(request, code):
    partnership = get_partnership(request, code)
    require_manage(request.user, partnership)
    form = PartnershipForm(request.POST or None, instance=partnership)
    if request.method == "POST" and form.is_valid():
        # The form must not write the row itself; the service does, with update_fields.
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        partnership.refresh_from_db()
        services.partnership_update(partnership=partnership, by=request.user, **fields)
        messages.success(request, "The partnership’s details are saved.")
        return redirect("partnerships:detail", code=partnership.code)
    return render(
        request, "partnerships/partnership_form.html", {"form": form, "partnership": partnership}
    )


def participant_list(request, code):
    partnership = get_partnership(request, code)
    require_manage(request.user, partnership)
    # Search, then choose: the search is in the address, so an add that fails keeps it.
    search = OrganisationSearchForm(request.GET)
    form = ParticipantAddForm(
        request.POST or None,
        partnership=partnership,
        search=search.text(),
        chosen=request.GET.get("chosen", ""),
    )
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_add(
                partnership=partnership, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("organisation", error)
        else:
            messages.success(request, f"{participant.organisation} is now a partner.")
            return redirect("partnerships:participants", code=partnership.code)
    participants = partnership.participants.filter(left_on__isnull=True).select_related(
        "organisation"
    )
    return render(
        request,
        "partnerships/participant_list.html",
        {"partnership": partnership, "participants": participants, "form": form, "search": search},
    )


def organisation_search(request, code):
    """The add-partner search as JSON, for the page's autocomplete: what the page would offer."""
    partnership = get_partnership(request, code)
    require_manage(request.user, partnership)
    search = OrganisationSearchForm(request.GET)
    form = ParticipantAddForm(partnership=partnership, search=search.text())
    results = [
        {"code": str(organisation.code), "name": organisation.name, "label": label}
        for organisation, label in zip(form.matches, form.labels(), strict=True)
    ]
    return JsonResponse({"results": results, "more": form.more})


@require_POST
def participant_remove(request, code, participant_code):
    partnership = get_partnership(request, code)
    require_manage(request.user, partnership)
    participant = get_object_or_404(
        partnership.participants.filter(left_on__isnull=True), code=participant_code
    )
    try:
        services.participant_remove(participant=participant, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{participant.organisation} is no longer a partner.")
    return redirect("partnerships:participants", code=partnership.code)


def partner_organisation_add(request, code):
    """A partner that is not on the service yet: put it here, and invite its lead contact."""
    partnership = get_partnership(request, code)
    require_manage(request.user, partnership)
    form = PartnerOrganisationForm(request.POST or None)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            # One already here is offered instead (no second copy of it).
            existing = onboarding.organisation_already_here(row=form.row())
            if existing is None:
                participant, invitation = onboarding.partner_organisation_add(
                    partnership=partnership,
                    row=form.row(),
                    role=form.cleaned_data["role"],
                    email=form.cleaned_data["email"],
                    by=request.user,
                )
                added = f"{participant.organisation} is now on the service and a partner."
                if invitation:
                    added += f" {invitation.email} is invited to be its first admin."
                messages.success(request, added)
                return redirect("partnerships:participants", code=partnership.code)
        except ValidationError as error:
            _errors_to_fields(form, error)
    return render(
        request,
        "partnerships/organisation_add.html",
        {"partnership": partnership, "form": form, "existing": existing},
    )


def participant_invite(request, code, participant_code):
    """Invite the first admin of a partner with no one who can answer."""
    partnership = get_partnership(request, code)
    require_manage(request.user, partnership)
    participant = get_object_or_404(
        partnership.participants.filter(left_on__isnull=True).select_related("organisation"),
        code=participant_code,
    )
    form = FirstAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = onboarding.partner_first_admin_invite(
                participant=participant, email=form.cleaned_data["email"], by=request.user
            )
        except ValidationError as error:
            _errors_to_fields(form, error)
        else:
            messages.success(
                request,
                f"{invitation.email} is invited to be {participant.organisation}’s first admin.",
            )
            return redirect("partnerships:detail", code=partnership.code)
    return render(
        request,
        "partnerships/participant_invite.html",
        {"partnership": partnership, "participant": participant, "form": form},
    )


def _errors_to_fields(form, error: ValidationError) -> None:
    """A service's errors beside their fields where they name one, else above the form."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error)
