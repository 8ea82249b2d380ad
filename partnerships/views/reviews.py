import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from partnerships import reports, results, scoring, withholding
from partnerships.access import (
    assessments_visible_to,
    can_add_action,
    get_partnership,
    is_lead,
    reply_organisation,
    reply_organisations,
    require_lead,
    require_results_published,
)
from partnerships.forms.reviews import HealthCheckForm, ReplyForm, ReviewCloseForm, ReviewOpenForm
from partnerships.models import (
    RAG,
    REPLY_MAX_LENGTH,
    Assessment,
    Concern,
    HealthCheck,
    Reply,
    Review,
)
from partnerships.scoring import suggested_actions
from partnerships.services import concerns, onboarding
from partnerships.services import replies as reply_services
from partnerships.services import reviews as services


def display_rule() -> dict[str, str]:
    """The thresholds (settings) as the legends under the scores word them."""
    green = scoring.shown(settings.RAG_GREEN_FROM)
    amber = scoring.shown(settings.RAG_AMBER_FROM)
    return {
        "green_from": str(green),
        "amber_from": str(amber),
        "amber_to": str(green - Decimal("0.1")),
    }


def _get_review(request, code, review_code) -> Review:
    partnership = get_partnership(request, code)
    return get_object_or_404(
        partnership.reviews.select_related("partnership", "framework"), code=review_code
    )


def _concern_from(request, partnership) -> Concern | None:
    """The concern a review is opened from (?concern=<code>), through the concerns' gate; a
    code that does not fit is ignored: the review opens on its own."""
    code = request.POST.get("concern") or request.GET.get("concern", "")
    try:
        code = uuid.UUID(code)
    except ValueError:
        return None
    return (
        Concern.objects.visible_to(request.user).filter(partnership=partnership, code=code).first()
    )


def review_open(request, code):
    partnership = get_partnership(request, code)
    require_lead(request.user, partnership)
    open_review = partnership.reviews.filter(state=Review.State.OPEN).first()
    refused = withholding.confidential_refused(partnership)
    concern = _concern_from(request, partnership)
    form = ReviewOpenForm(request.POST or None, confidential_refused=refused)
    if request.method == "POST" and open_review is None and form.is_valid():
        try:
            review = services.review_open(
                partnership=partnership,
                by=request.user,
                due_on=form.cleaned_data["due_on"],
                visibility=form.chosen_visibility(),
            )
            if concern is not None:
                concerns.concern_link_review(concern=concern, review=review, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The review is open. Each partner has been asked to assess.")
            return redirect(
                "partnerships:review_detail", code=partnership.code, review_code=review.code
            )
    return render(
        request,
        "partnerships/review_open.html",
        {
            "partnership": partnership,
            "form": form,
            "open_review": open_review,
            "confidential_refused": refused,
            "open_hint": withholding.VISIBILITY_HINTS[Review.Visibility.OPEN],
            "concern": concern,
            "participants": partnership.participants.filter(left_on__isnull=True).select_related(
                "organisation"
            ),
            # Warned before opening: their organisations have no one to answer or be emailed.
            "no_one_to_answer": onboarding.no_one_to_answer(partnership),
        },
    )


def review_detail(request, code, review_code):
    """Progress: who has submitted, never what, while the review is open."""
    review = _get_review(request, code, review_code)
    assessments = review.assessments.select_related("organisation", "submitted_by")
    mine = set(
        assessments_visible_to(request.user).filter(review=review).values_list("pk", flat=True)
    )
    return render(
        request,
        "partnerships/review_detail.html",
        {
            "review": review,
            "partnership": review.partnership,
            "assessments": assessments,
            "my_assessments": [a for a in assessments if a.pk in mine],
            "submitted_count": sum(a.state == Assessment.State.SUBMITTED for a in assessments),
            "concerns": Concern.objects.visible_to(request.user)
            .filter(review=review)
            .select_related("organisation"),
            "is_lead": is_lead(request.user, review.partnership),
        },
    )


def health_check(request, code, review_code):
    review = _get_review(request, code, review_code)
    require_lead(request.user, review.partnership)
    if not review.is_open:
        messages.error(request, "This review has closed, so its health check can no longer change.")
        return redirect("partnerships:review_results", code=code, review_code=review.code)
    principles = review.framework.principles.all()
    existing = (
        HealthCheck.objects.filter(review=review).prefetch_related("entries__principle").first()
    )
    initial = {"summary": review.summary}
    if existing:
        initial["serious_concern"] = existing.serious_concern
        for entry in existing.entries.all():
            initial[f"rag_{entry.principle.number}"] = entry.rag
            initial[f"comment_{entry.principle.number}"] = entry.comment
    form = HealthCheckForm(request.POST or None, initial=initial, principles=principles)
    if request.method == "POST" and form.is_valid():
        services.health_check_save(
            review=review,
            by=request.user,
            entries=form.entries(),
            serious_concern=form.cleaned_data["serious_concern"],
            summary=form.cleaned_data["summary"],
        )
        messages.success(request, "The health check is saved.")
        return redirect("partnerships:review_detail", code=code, review_code=review.code)
    # Open concerns touching each principle, beside its rating: one query.
    concerns = {}
    for concern in (
        Concern.objects.visible_to(request.user)
        .filter(partnership=review.partnership, state__in=Concern.OPEN_STATES)
        .exclude(principle=None)
        .select_related("organisation")
        .order_by("raised_at", "id")
    ):
        concerns.setdefault(concern.principle_id, []).append(concern)
    rows = [
        (principle, rag, comment, concerns.get(principle.pk, []))
        for principle, rag, comment in form.principle_fields()
    ]
    return render(
        request,
        "partnerships/health_check.html",
        {"review": review, "partnership": review.partnership, "form": form, "rows": rows},
    )


def review_close(request, code, review_code):
    review = _get_review(request, code, review_code)
    require_lead(request.user, review.partnership)
    if not review.is_open:
        return redirect("partnerships:review_results", code=code, review_code=review.code)
    missing = list(
        review.assessments.exclude(state=Assessment.State.SUBMITTED).select_related("organisation")
    )
    health = HealthCheck.objects.filter(review=review).first()
    reds = (
        [e.principle.name for e in health.entries.select_related("principle") if e.rag == RAG.RED]
        if health
        else []
    )
    form = ReviewCloseForm(request.POST or None, missing=missing, red_principles=reds)
    if request.method == "POST" and health and form.is_valid():
        try:
            services.review_close(
                review=review, by=request.user, overall_rag=form.cleaned_data["overall_rag"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "The review is closed and its results are published to every partner."
            )
            return redirect("partnerships:review_results", code=code, review_code=review.code)
    return render(
        request,
        "partnerships/review_close.html",
        {
            "review": review,
            "partnership": review.partnership,
            "form": form,
            "missing": missing,
            "health_check": health,
        },
    )


def review_results(request, code, review_code):
    review = _get_review(request, code, review_code)
    require_results_published(review)
    result, trend = results.review_result_and_trend(review, user=request.user)
    health = HealthCheck.objects.filter(review=review).first()
    health_by_number = (
        {e.principle.number: e for e in health.entries.select_related("principle")}
        if health
        else {}
    )
    principles = result.principles
    suggestions = _suggestions(request.user, review, result)
    organisations = principles[0].organisations if principles else ()
    # Who the figures leave out: partners who did not submit, and any of no side.
    not_submitted = list(
        review.assessments.exclude(state=Assessment.State.SUBMITTED)
        .order_by("organisation__name")
        .values_list("organisation__name", flat=True)
    )
    of_no_side = [o.name for o in organisations if o.side == scoring.OTHER]
    return render(
        request,
        "partnerships/review_results.html",
        {
            "review": review,
            "partnership": review.partnership,
            "result": result,
            "rows": [(p, health_by_number.get(p.number)) for p in principles],
            "organisations": organisations,
            "health_check": health,
            **results.result_charts(result),
            "trend": trend,
            "suggestions": suggestions,
            "can_add_action": can_add_action(request.user, review.partnership),
            "not_submitted": not_submitted,
            "rule": display_rule(),
            "of_no_side": of_no_side,
            "concerns": reports.concerns_in_period(request.user, review),
            "comments": withholding.shared_comments(review, result, user=request.user),
            "replies": withholding.replies(review, result, user=request.user),
            "can_reply": reply_organisations(request.user, review),
        },
    )


def _suggestions(user, review, result) -> list[dict]:
    """The suggested actions, each with the action already agreed for its principle from this
    review, if there is one, or else the link that offers to add it."""
    suggested = suggested_actions(result)
    if not suggested:
        return []
    agreed = {}
    for action in (
        review.actions.filter(principle__number__in=[s.principle_number for s in suggested])
        .select_related("principle", "owner_organisation")
        .order_by("created_at", "id")
    ):
        agreed.setdefault(action.principle.number, action)
    code = review.partnership.code
    add_url = reverse("partnerships:action_create", kwargs={"code": code})
    list_url = reverse("partnerships:action_list", kwargs={"code": code})
    suggestions = []
    for suggestion in suggested:
        action = agreed.get(suggestion.principle_number)
        query = {
            "review": review.code,
            "principle": suggestion.principle_number,
            "description": suggestion.action,
        }
        suggestions.append(
            {
                "text": suggestion.text,
                "action": action,
                # The list of its owner's actions, where its row is: the list is paged, and
                # one owner's actions rarely fill a page.
                "url": f"{list_url}?{urlencode({'owner': action.owner_organisation.code})}"
                f"#action-{action.code}"
                if action
                else f"{add_url}?{urlencode(query)}",
            }
        )
    return suggestions


def review_reply(request, code, review_code, organisation_code):
    """A partner organisation's one reply to the published results, changeable for a while."""
    review = _get_review(request, code, review_code)
    organisation = reply_organisation(request.user, review, organisation_code)
    reply = Reply.objects.filter(review=review, organisation=organisation).first()
    if reply is not None and not reply.is_changeable:
        raise PermissionDenied(
            f"{organisation}’s reply was added on {reply.created_at:%-d %B %Y} and can no "
            f"longer change: replies are fixed {settings.REPLY_WINDOW_DAYS} days after they "
            "are added."
        )
    author = withholding.attribution(str(organisation.side)) if review.is_confidential else None
    shown_as = f"as from “{author}”, without its name" if author else f"with {organisation}’s name"
    form = ReplyForm(
        request.POST or None,
        initial={"text": reply.text if reply else ""},
        help_text=f"Every partner sees it beside the commissioner’s summary, {shown_as}. Up to "
        f"{REPLY_MAX_LENGTH:,} characters. You can change it for "
        f"{settings.REPLY_WINDOW_DAYS} days after adding it; then it is fixed.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            reply_services.reply_save(
                review=review,
                organisation=organisation,
                by=request.user,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, f"{organisation}’s reply is published with the results.")
            return redirect(
                reverse(
                    "partnerships:review_results", kwargs={"code": code, "review_code": review.code}
                )
                + "#replies"
            )
    return render(
        request,
        "partnerships/review_reply.html",
        {
            "review": review,
            "partnership": review.partnership,
            "organisation": organisation,
            "reply": reply,
            "form": form,
        },
    )
