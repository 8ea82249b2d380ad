from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.paging import page_number
from partnerships.access import (
    action_change_rule,
    can_add_action,
    get_partnership,
    require_add_action,
    require_change_action,
)
from partnerships.forms.actions import (
    ActionEditForm,
    ActionFilterForm,
    ActionForm,
    initial_from_query,
)
from partnerships.models import Action
from partnerships.services import actions as services

FILTERS = ("owner", "status")


def _get_action(partnership, action_code) -> Action:
    action = get_object_or_404(
        partnership.actions.select_related("owner_organisation", "owner", "principle", "review"),
        code=action_code,
    )
    action.partnership = partnership
    return action


ACTIONS_PAGE_SIZE = 25


def _filter_query(query: str) -> str:
    """Only the action list's own filters from a query string, encoded again."""
    kept = QueryDict(mutable=True)
    for name, value in QueryDict(query).items():
        if name in FILTERS and value:
            kept[name] = value
    return kept.urlencode()


def _list_url(partnership, query="") -> str:
    url = reverse("partnerships:action_list", kwargs={"code": partnership.code})
    query = _filter_query(query)
    return f"{url}?{query}" if query else url


def action_list(request, code):
    partnership = get_partnership(request, code)
    filters = ActionFilterForm(request.GET, partnership=partnership)
    chosen = filters.filters()
    actions = partnership.actions.select_related("owner_organisation", "owner", "principle")
    if "owner" in chosen:
        actions = actions.filter(owner_organisation=chosen["owner"])
    if "status" in chosen:
        actions = actions.filter(status=chosen["status"])
    # Open first, and by due date within each status, which puts overdue ones at the top.
    actions = actions.annotate(
        closed=Case(
            When(status=Action.Status.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("closed", F("due_on").asc(nulls_last=True), "id")

    page = Paginator(actions, ACTIONS_PAGE_SIZE).get_page(page_number(request))
    can_change = action_change_rule(request.user, partnership)
    rows = [(action, can_change(action)) for action in page]
    filter_query = _filter_query(request.GET.urlencode())
    return render(
        request,
        "partnerships/action_list.html",
        {
            "partnership": partnership,
            "rows": rows,
            "filters": filters,
            "filtered": bool(chosen),
            "filter_query": filter_query,
            "page": page,
            "page_query": filter_query,
            "can_add": can_add_action(request.user, partnership),
        },
    )


def action_create(request, code):
    partnership = get_partnership(request, code)
    require_add_action(request.user, partnership)
    if request.method == "POST":
        form = ActionForm(request.POST, partnership=partnership)
    else:
        form = ActionForm(
            partnership=partnership, initial=initial_from_query(request.GET, partnership)
        )
    if form.is_bound and form.is_valid():
        try:
            services.action_create(partnership=partnership, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The action is added.")
            return redirect("partnerships:action_list", code=partnership.code)
    return render(
        request, "partnerships/action_form.html", {"form": form, "partnership": partnership}
    )


def action_edit(request, code, action_code):
    partnership = get_partnership(request, code)
    action = _get_action(partnership, action_code)
    require_change_action(request.user, action)
    initial = {
        "description": action.description,
        "principle": action.principle_id,
        "review": action.review_id,
        "owner_organisation": action.owner_organisation_id,
        "owner": action.owner_id,
        "due_on": action.due_on,
        "status": action.status,
    }
    form = ActionEditForm(
        request.POST if request.method == "POST" else None,
        partnership=partnership,
        action=action,
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        try:
            services.action_update(action=action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The action is saved.")
            return redirect("partnerships:action_list", code=partnership.code)
    return render(
        request,
        "partnerships/action_form.html",
        {"form": form, "partnership": partnership, "action": action},
    )


@require_POST
def action_done(request, code, action_code):
    partnership = get_partnership(request, code)
    action = _get_action(partnership, action_code)
    require_change_action(request.user, action)
    services.action_mark_done(action=action, by=request.user)
    messages.success(request, f"“{action}” is marked as done.")
    # Back to the list as it was filtered when the button was pressed.
    return redirect(_list_url(partnership, request.POST.get("filters", "")))
