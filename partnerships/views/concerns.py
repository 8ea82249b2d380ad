from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partnerships.access import (
    can_end_concern,
    can_raise_concern,
    get_concern,
    get_partnership,
    is_lead,
    require_answer_concern,
    require_end_concern,
    require_raise_concern,
)
from partnerships.forms.concerns import (
    ConcernCloseForm,
    ConcernForm,
    ConcernResponseForm,
    ConcernWithdrawForm,
)
from partnerships.models import Concern
from partnerships.services import concerns as services


def _deadline_days() -> dict:
    return {
        "acknowledge_days": settings.CONCERN_ACKNOWLEDGE_DAYS,
        "respond_days": settings.CONCERN_RESPOND_DAYS,
    }


def _detail(concern):
    return redirect(
        "partnerships:concern_detail", code=concern.partnership.code, concern_code=concern.code
    )


def concern_list(request, code):
    partnership = get_partnership(request, code)
    concerns = (
        Concern.objects.visible_to(request.user)
        .filter(partnership=partnership)
        .select_related("organisation", "principle")
        .annotate(
            ended=Case(
                When(state__in=Concern.OPEN_STATES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("ended", "-raised_at", "-id")
    )
    return render(
        request,
        "partnerships/concern_list.html",
        {
            "partnership": partnership,
            "concerns": concerns,
            "can_raise": can_raise_concern(request.user, partnership),
            **_deadline_days(),
        },
    )


def concern_create(request, code):
    partnership = get_partnership(request, code)
    require_raise_concern(request.user, partnership)
    organisations = services.raising_organisations(user=request.user, partnership=partnership)
    form = ConcernForm(
        request.POST if request.method == "POST" else None,
        partnership=partnership,
        organisations=organisations,
    )
    if form.is_bound and form.is_valid():
        try:
            concern = services.concern_raise(
                partnership=partnership, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "Your concern is raised. The lead commissioner is asked to acknowledge it by "
                f"{concern.acknowledge_by:%-d %B %Y} and answer it by "
                f"{concern.respond_by:%-d %B %Y}.",
            )
            return _detail(concern)
    return render(
        request,
        "partnerships/concern_form.html",
        {
            "partnership": partnership,
            "form": form,
            "organisations": organisations,
            "lead": services.lead_organisation(partnership),
            **_deadline_days(),
        },
    )


def concern_detail(request, code, concern_code):
    concern = get_concern(request, code, concern_code)
    partnership = concern.partnership
    lead = is_lead(request.user, partnership)
    return render(
        request,
        "partnerships/concern_detail.html",
        {
            "concern": concern,
            "partnership": partnership,
            "is_lead": lead,
            "can_end": can_end_concern(request.user, concern),
            "can_open_review": lead
            and concern.review_id is None
            and not partnership.reviews.filter(state="open").exists(),
        },
    )


@require_POST
def concern_acknowledge(request, code, concern_code):
    concern = get_concern(request, code, concern_code)
    require_answer_concern(request.user, concern)
    try:
        services.concern_acknowledge(concern=concern, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            f"The concern is acknowledged. {concern.organisation} has been told. Answer it by "
            f"{concern.respond_by:%-d %B %Y}.",
        )
    return _detail(concern)


def _step(request, concern, form, *, heading, button, template="partnerships/concern_step.html"):
    return render(
        request,
        template,
        {
            "concern": concern,
            "partnership": concern.partnership,
            "form": form,
            "heading": heading,
            "button": button,
        },
    )


def concern_respond(request, code, concern_code):
    concern = get_concern(request, code, concern_code)
    require_answer_concern(request.user, concern)
    if concern.state not in Concern.WAITING_FOR_LEAD:
        messages.error(request, "This concern has already been answered, closed or withdrawn.")
        return _detail(concern)
    form = ConcernResponseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.concern_respond(concern=concern, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Your response is sent to {concern.organisation}.")
            return _detail(concern)
    return _step(request, concern, form, heading="Answer the concern", button="Send the response")


def concern_close(request, code, concern_code):
    concern = get_concern(request, code, concern_code)
    require_end_concern(request.user, concern)
    if concern.state != Concern.State.RESPONDED:
        messages.error(
            request, "A concern can be closed once the lead commissioner has answered it."
        )
        return _detail(concern)
    form = ConcernCloseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            concern = services.concern_close(concern=concern, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            escalated = " and escalated" if form.cleaned_data["escalate"] else ""
            messages.success(request, f"The concern is closed{escalated}.")
            return _detail(concern)
    return _step(request, concern, form, heading="Close the concern", button="Close the concern")


def concern_withdraw(request, code, concern_code):
    concern = get_concern(request, code, concern_code)
    require_end_concern(request.user, concern)
    if not concern.is_open:
        messages.error(request, "This concern has already been closed or withdrawn.")
        return _detail(concern)
    form = ConcernWithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.concern_withdraw(concern=concern, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The concern is withdrawn.")
            return _detail(concern)
    return _step(
        request, concern, form, heading="Withdraw the concern", button="Withdraw the concern"
    )
