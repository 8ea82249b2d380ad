from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from partnerships import withholding
from partnerships.access import (
    assessments_visible_to,
    get_partnership,
    require_edit_assessment,
)
from partnerships.forms.assessments import PrincipleForm
from partnerships.models import Assessment
from partnerships.services import assessments as services
from principles.models import Principle


def _get_assessment(request, code, review_code, assessment_code) -> Assessment:
    """Through the gate: another partner's assessment is a 404, even for the commissioner."""
    partnership = get_partnership(request, code)
    review = get_object_or_404(partnership.reviews, code=review_code)
    assessment = get_object_or_404(
        assessments_visible_to(request.user)
        .filter(review=review)
        .select_related("organisation", "submitted_by"),
        code=assessment_code,
    )
    review.partnership = partnership
    assessment.review = review
    return assessment


def _why_read_only(user, assessment: Assessment) -> str | None:
    """The sentence a read-only page shows, or None when the person can change it."""
    try:
        require_edit_assessment(user, assessment)
    except PermissionDenied as refusal:
        return str(refusal)
    return None


def _urls(assessment: Assessment) -> dict:
    return {
        "code": assessment.review.partnership.code,
        "review_code": assessment.review.code,
        "assessment_code": assessment.code,
    }


def task_list(request, code, review_code, assessment_code):
    assessment = _get_assessment(request, code, review_code, assessment_code)
    sections = services.assessment_sections(assessment)
    return render(
        request,
        "partnerships/assessment_task_list.html",
        {
            "assessment": assessment,
            "sections": sections,
            "completed": sum(section.is_complete for section in sections),
            "read_only": _why_read_only(request.user, assessment),
            "audience": withholding.audience(assessment.review, assessment.organisation),
        },
    )


def principle_page(request, code, review_code, assessment_code, number):
    assessment = _get_assessment(request, code, review_code, assessment_code)
    principles = Principle.objects.filter(framework_id=assessment.review.framework_id)
    principle = get_object_or_404(principles.prefetch_related("statements"), number=number)
    read_only = _why_read_only(request.user, assessment)
    if request.method == "POST" and read_only:
        raise PermissionDenied(read_only)
    section = services.principle_section(assessment, principle)
    form = None
    if read_only is None:
        form = PrincipleForm(request.POST or None, section=section, version=assessment.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save_principle(
                assessment=assessment,
                principle=principle,
                answers=form.answers(),
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except services.AssessmentConflict as conflict:
            form.refuse(conflict, services.principle_section(assessment, principle))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # A change made from the check-answers page goes back there (GOV.UK pattern).
            if request.POST.get("from") == "check":
                return redirect("partnerships:assessment_check", **_urls(assessment))
            if not form.continues:
                messages.success(
                    request, f"Your answers on {principle.name} are saved. Come back at any time."
                )
                return redirect("partnerships:assessment", **_urls(assessment))
            following = principles.filter(number__gt=principle.number).order_by("number").first()
            if following is None:
                return redirect("partnerships:assessment_check", **_urls(assessment))
            return redirect(
                "partnerships:assessment_principle", **_urls(assessment), number=following.number
            )
    return render(
        request,
        "partnerships/assessment_principle.html",
        {
            "assessment": assessment,
            "principle": principle,
            "principle_count": principles.count(),
            "section": section,
            "form": form,
            "read_only": read_only,
            "audience": withholding.audience(assessment.review, assessment.organisation),
            "attribution": withholding.attribution(str(assessment.organisation.side)),
            "from_check": request.GET.get("from") == "check" or request.POST.get("from") == "check",
        },
    )


def check_answers(request, code, review_code, assessment_code):
    assessment = _get_assessment(request, code, review_code, assessment_code)
    return _render_check(request, assessment)


def _render_check(request, assessment, submit_error=None):
    sections = services.assessment_sections(assessment)
    return render(
        request,
        "partnerships/assessment_check.html",
        {
            "assessment": assessment,
            "sections": sections,
            "complete": all(section.is_complete for section in sections),
            "read_only": _why_read_only(request.user, assessment),
            "submit_error": submit_error,
        },
    )


@require_POST
def submit(request, code, review_code, assessment_code):
    assessment = _get_assessment(request, code, review_code, assessment_code)
    require_edit_assessment(request.user, assessment)
    try:
        services.assessment_submit(assessment=assessment, by=request.user)
    except ValidationError as error:
        return _render_check(request, assessment, submit_error=error.messages[0])
    messages.success(
        request,
        f"{assessment.organisation}’s self-assessment is submitted. The lead commissioner can "
        "see that it is in; every partner sees the results when the review closes.",
    )
    return redirect("partnerships:assessment", **_urls(assessment))
